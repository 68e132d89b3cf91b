package dev.attnc;

import java.util.Map;

/**
 * The backward pass's outputs: dQ [B,H,Q_LEN,D], dK and dV [B,H_KV,KV_LEN,D] (in Q's dtype; with
 * grouped-query attention dK and dV sum over the query heads of a group), the gradient of each float
 * parameter the score reads, float32 in the parameter's shape (a scalar's is shape [1]), by name
 * in declaration order, and the backward kernels' own time.
 */
public record Gradients(Tensor dq, Tensor dk, Tensor dv, Map<String, Tensor> params, long kernelNanos) {
    public Gradients {
        params = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(params));
    }
}
