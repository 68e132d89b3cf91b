package dev.attnc;

import dev.attnc.compiler.interp.Bindings;
import dev.attnc.compiler.interp.Evaluator;
import dev.attnc.compiler.interp.Sizes;
import dev.attnc.compiler.ir.Attention;
import dev.attnc.compiler.sparsity.BlockPlan;

/**
 * The number of (b, h, q, kv) pairs a call's mask keeps, exactly, for FLOP counts (4·D per kept
 * pair): FULL tiles count all their in-range pairs, EMPTY tiles none, and only PARTIAL tiles
 * evaluate the mask, so the count costs a fraction of the attention itself.
 */
public final class KeptPairs {
    private KeptPairs() {}

    public static long count(Attention a, Sizes s, Bindings bindings, BlockPlan plan) {
        Evaluator ev = new Evaluator(s, bindings.complete(a));
        // a plan that does not differ per batch element (per head) stands for all of them
        int batches = plan.perBatch ? s.B() : 1;
        int heads = plan.perHead ? s.H() : 1;
        long repeats = (long) (s.B() / batches) * (s.H() / heads);
        long total = 0;
        for (int b = 0; b < batches; b++) {
            for (int h = 0; h < heads; h++) total += countSlot(a, s, plan, ev, b, h) * repeats;
        }
        return total;
    }

    private static long countSlot(Attention a, Sizes s, BlockPlan plan, Evaluator ev, int b, int h) {
        int slot = plan.slot(b, h);
        long kept = 0;
        for (int qt = 0; qt < plan.qTiles; qt++) {
            int q0 = qt * plan.blockM;
            int q1 = Math.min(s.Q_LEN(), q0 + plan.blockM);
            int row = slot * plan.qTiles + qt;
            for (int r = plan.runOffsets[row]; r < plan.runOffsets[row + 1]; r++) {
                for (int kt = plan.runStart[r]; kt < plan.runEnd[r]; kt++) {
                    int k0 = kt * plan.blockN;
                    int k1 = Math.min(s.KV_LEN(), k0 + plan.blockN);
                    if (!plan.runPartial[r]) {
                        kept += (long) (q1 - q0) * (k1 - k0);
                        continue;
                    }
                    for (int q = q0; q < q1; q++) {
                        for (int kv = k0; kv < k1; kv++) if (ev.at(b, h, q, kv, 0).evalBool(a.mask())) kept++;
                    }
                }
            }
        }
        return kept;
    }
}
