package dev.attnc.backend;

/** A kernel ready to run on one backend's device; safe to run many times. */
public interface CompiledKernel {
    /** The generated source (Java, OpenCL C or CUDA C), as compiled. */
    String source();

    /** What the tiling plan and sparsity need to know about this kernel (for plan building). */
    KernelRequest request();

    RunOutputs run(RunInputs inputs);

    /**
     * The storage the kernel really computes from for inputs of {@code given} storage: the same,
     * unless the device converts on upload (the CUDA backend runs float32 inputs as float16).
     * Checks against the reference take their tolerance from it.
     */
    default dev.attnc.DType effectiveStorage(dev.attnc.DType given) {
        return given;
    }
}
