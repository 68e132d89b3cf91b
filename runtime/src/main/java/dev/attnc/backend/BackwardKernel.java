package dev.attnc.backend;

import dev.attnc.Gradients;

/** A compiled backward pass on one backend's device; safe to run many times. */
public interface BackwardKernel {
    /** The generated source of its kernels, as compiled. */
    String source();

    /** The forward kernel's request it is the backward of (the same attention, dtype, head dimension and tiles). */
    KernelRequest request();

    Gradients run(BackwardInputs inputs);
}
