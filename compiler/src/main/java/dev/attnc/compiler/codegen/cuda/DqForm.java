package dev.attnc.compiler.codegen.cuda;

/**
 * How the CUDA backward computes dQ (chosen by {@link dev.attnc.compiler.target.TargetPolicy#cudaBackwardForm}).
 * The parameters' gradients are deterministic in both (per-thread partials summed in order).
 */
public enum DqForm {
    /**
     * FlashAttention-2's: the dK/dV kernel also computes dQ += dS K from the dS it already holds and
     * adds it into a float32 accumulator with atomics, then a small kernel converts it: 5 tensor-core
     * products a pair, but dQ's last bits depend on the order the adds land in.
     */
    ATOMIC,
    /** A second pass over the forward plan recomputes S and dP for dQ += dS K: 7 products a pair, the same bits every run. */
    DETERMINISTIC
}
