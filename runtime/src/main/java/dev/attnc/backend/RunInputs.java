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
        Map<String, Tensor> tensors, double scale, BlockPlan plan, int[] kvLens, Resident resident) {
    /**
     * Q, K and V already on the backend's device, and the O and LSE to write there: a call with these
     * copies no tensor between host and device (its {@link RunOutputs} carry no host O and LSE). Then
     * q, k and v above describe the device tensors' layouts only ({@link dev.attnc.DeviceTensor#layout}).
     */
    public record Resident(dev.attnc.DeviceTensor q, dev.attnc.DeviceTensor k, dev.attnc.DeviceTensor v,
            dev.attnc.DeviceTensor o, dev.attnc.DeviceTensor lse) {}

    /** Host tensors only. */
    public RunInputs(Sizes sizes, Tensor q, Tensor k, Tensor v, Map<String, Object> scalars, Map<String, Tensor> tensors, double scale,
            BlockPlan plan, int[] kvLens) {
        this(sizes, q, k, v, scalars, tensors, scale, plan, kvLens, null);
    }

    /** Every sequence of the call's KV_LEN. */
    public RunInputs(Sizes sizes, Tensor q, Tensor k, Tensor v, Map<String, Object> scalars, Map<String, Tensor> tensors, double scale,
            BlockPlan plan) {
        this(sizes, q, k, v, scalars, tensors, scale, plan, null, null);
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
