package dev.attnc.kernel.cpu;

/**
 * A generated CPU backward pass: one class per (attention, storage dtype, head dimension, tile
 * plan), written by {@code JavaBackwardGenerator}. Instances hold no state; {@link #run} may be
 * called from many threads at once.
 */
public interface JavaBackwardKernel {
    /** Computes dQ, dK, dV and the parameters' gradients of one call into the arrays of {@code args}. */
    void run(JavaBackwardArgs args);
}
