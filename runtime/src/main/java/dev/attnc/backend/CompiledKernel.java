package dev.attnc.backend;

/** A kernel ready to run on one backend's device; safe to run many times. */
public interface CompiledKernel {
    /** The generated source (Java, OpenCL C or CUDA C), as compiled. */
    String source();

    /** What the tiling plan and sparsity need to know about this kernel (for plan building). */
    KernelRequest request();

    RunOutputs run(RunInputs inputs);
}
