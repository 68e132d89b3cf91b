package dev.attnc.backend;

import dev.attnc.Tensor;
import dev.attnc.kernel.Sizes;
import dev.attnc.kernel.BlockPlan;
import java.util.Map;

/**
 * One call's validated inputs: Q [B,H,Q_LEN,D], K and V [B,H_KV,KV_LEN,D] in the kernel's storage
 * dtype (K and V may be paged: {@link Tensor#paged}, their table checked for the rows the call
 * reads); every scalar parameter (defaults filled in: Integer, Double or Boolean) and tensor
 * parameter by name; the softmax scale; the block plan for these sizes and values; and each
 * sequence's own KV_LEN, {@code kvLens[b]} in [0, KV_LEN], or null when every sequence has the
 * call's KV_LEN.
 */
public record RunInputs(Sizes sizes, Tensor q, Tensor k, Tensor v, Map<String, Object> scalars,
        Map<String, Tensor> tensors, double scale, BlockPlan plan, int[] kvLens) {
    /** Every sequence of the call's KV_LEN. */
    public RunInputs(Sizes sizes, Tensor q, Tensor k, Tensor v, Map<String, Object> scalars, Map<String, Tensor> tensors, double scale,
            BlockPlan plan) {
        this(sizes, q, k, v, scalars, tensors, scale, plan, null);
    }

    /** Sequence b's KV_LEN. */
    public int kvLen(int b) {
        return kvLens == null ? sizes.KV_LEN() : kvLens[b];
    }

    /** Whether K or V is paged or sequences have their own lengths: what a backend must know to run this call. */
    public boolean ragged() {
        return kvLens != null || k.paging() != null || v.paging() != null;
    }
}
