package dev.attnc.backend;

import dev.attnc.compiler.plan.TilePlan;

/**
 * A place kernels run: the CPU (generated Java), an OpenCL device, a CUDA GPU. Backends differ in
 * the code they generate and how they drive their device, not in what a kernel means.
 */
public interface Backend extends AutoCloseable {
    /** "java", "opencl" or "cuda". */
    String name();

    /** The device in words, e.g. "CPU (2 cores, Vector API 256-bit)" or "NVIDIA H100 80GB HBM3". */
    String device();

    /** The tile plan this backend uses for a head dimension (its capabilities decide). */
    TilePlan tilePlan(int headDim);

    /** Compiles (or takes from the cache) a kernel. */
    CompiledKernel compile(KernelRequest request);

    @Override
    default void close() {}
}
