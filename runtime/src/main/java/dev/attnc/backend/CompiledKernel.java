package dev.attnc.backend;

/** A kernel ready to run on one backend's device; safe to run many times. */
public interface CompiledKernel {
    /** The generated source (Java, OpenCL C or CUDA C), as compiled. */
    String source();

    /** What the tiling plan and sparsity need to know about this kernel (for plan building). */
    KernelRequest request();

    RunOutputs run(RunInputs inputs);

    /**
     * {@link #run} queued on the device where it can be: returns once the launches are queued, with no
     * outputs on the host and kernel time -1, for calls whose O and LSE are device tensors
     * ({@link RunInputs#resident}). The default runs the call before it returns.
     */
    default RunOutputs enqueue(RunInputs inputs) {
        return run(inputs);
    }

    /**
     * One call's inputs, ready to launch many times: what benchmarks time, back to back, as
     * PyTorch's {@code do_bench} does. A GPU backend keeps the inputs on the device between
     * launches; the default simply runs the whole call each time.
     */
    interface Session extends AutoCloseable {
        /** Runs the kernel once more; its own time in nanoseconds. */
        long launch();

        /** O and LSE of the last launch. */
        RunOutputs outputs();

        @Override
        void close();
    }

    default Session session(RunInputs inputs) {
        return new Session() {
            private RunOutputs last;

            public long launch() {
                last = run(inputs);
                return last.kernelNanos();
            }

            public RunOutputs outputs() {
                return last != null ? last : (last = run(inputs));
            }

            public void close() {}
        };
    }

    /**
     * The storage the kernel really computes from for inputs of {@code given} storage: the same,
     * unless the device converts on upload (the CUDA backend runs float32 inputs as float16).
     * Checks against the reference take their tolerance from it.
     */
    default dev.attnc.DType effectiveStorage(dev.attnc.DType given) {
        return given;
    }
}
