package dev.attnc.compiler.sparsity;

import dev.attnc.kernel.BlockPlan;
import dev.attnc.kernel.Sizes;

/**
 * The (b, h) pairs a plan is built for: one per batch element if the mask reads b, one per head
 * if it reads h, else a single slot. Numbered as {@link BlockPlan#slot(int, int)} numbers them.
 */
record Slots(boolean perBatch, boolean perHead, int batch, int heads) {
    static Slots of(Dag mask, Sizes sizes) {
        int reads = mask.readsAll();
        return new Slots((reads & Dag.B) != 0, (reads & Dag.H) != 0, sizes.B(), sizes.H());
    }

    int count() {
        return (perBatch ? batch : 1) * (perHead ? heads : 1);
    }

    int b(int slot) {
        return perHead ? slot / heads : slot;
    }

    int h(int slot) {
        return perHead ? slot % heads : 0;
    }
}
