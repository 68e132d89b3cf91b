package dev.attnc.backend;

import dev.attnc.Gradients;

/** A compiled backward pass on one backend's device; safe to run many times. */
public interface BackwardKernel {
    /** The generated source of its kernels, as compiled. */
    String source();

    /** The forward kernel's request it is the backward of (the same attention, dtype, head dimension and tiles). */
    KernelRequest request();

    Gradients run(BackwardInputs inputs);

    /**
     * One call's inputs, ready to run many times: what benchmarks time back to back, as PyTorch's
     * {@code do_bench} times FlexAttention (the forward's {@link CompiledKernel.Session}). A GPU backend
     * keeps the inputs and outputs on the device between runs; the default runs the whole call each time.
     */
    interface Session extends AutoCloseable {
        /**
         * Runs the backward {@code n} times; each run's own time in nanoseconds (on a GPU: its kernels,
         * the zeroing of the buffers they add into included, after emptying L2; the host's launch latency not).
         */
        long[] time(int n);

        /** The gradients of the last run (one run first if there was none). */
        Gradients gradients();

        @Override
        void close();
    }

    default Session session(BackwardInputs inputs) {
        return new Session() {
            private Gradients last;

            public long[] time(int n) {
                long[] nanos = new long[n];
                for (int i = 0; i < n; i++) nanos[i] = (last = run(inputs)).kernelNanos();
                return nanos;
            }

            public Gradients gradients() {
                return last != null ? last : (last = run(inputs));
            }

            public void close() {}
        };
    }
}
