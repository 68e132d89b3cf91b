package dev.attnc.baseline;

import dev.attnc.backend.CompiledKernel;

/**
 * A handwritten kernel behind the runtime's kernel contract, so the bench runs it exactly like a
 * generated one: same {@code RunInputs}, same outputs, kernel time in {@code RunOutputs.kernelNanos}
 * (device events on GPUs, the call's wall time on the CPU), conversions and copies excluded.
 */
public interface BaselineKernel extends CompiledKernel, AutoCloseable {
    /** How tables name it: "handwritten java", "handwritten opencl", "handwritten cuda". */
    String name();

    @Override
    default void close() {}
}
