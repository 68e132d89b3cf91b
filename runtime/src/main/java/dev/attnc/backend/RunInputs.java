package dev.attnc.backend;

import dev.attnc.Tensor;
import dev.attnc.kernel.Sizes;
import dev.attnc.kernel.BlockPlan;
import java.util.Map;

/**
 * One call's validated inputs: Q [B,H,Q_LEN,D], K and V [B,H_KV,KV_LEN,D] in the kernel's storage
 * dtype; every scalar parameter (defaults filled in: Integer, Double or Boolean) and tensor
 * parameter by name; the softmax scale; and the block plan for these sizes and values.
 */
public record RunInputs(Sizes sizes, Tensor q, Tensor k, Tensor v, Map<String, Object> scalars,
        Map<String, Tensor> tensors, double scale, BlockPlan plan) {}
