package dev.attnc.kernel.cpu;

/**
 * A generated CPU kernel: one class per (attention, storage dtype, head dimension, tile plan),
 * written by {@code JavaKernelGenerator}. Instances hold no state; {@link #run} may be called from
 * many threads at once.
 */
public interface JavaKernel {
    /** Computes O and LSE of one call into {@code args.o()} and {@code args.lse()}. */
    void run(JavaKernelArgs args);
}
