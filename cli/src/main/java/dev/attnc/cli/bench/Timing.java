package dev.attnc.cli.bench;

import dev.attnc.backend.RunOutputs;
import java.util.function.Supplier;

/**
 * Warm-up runs, then timed runs; the time of a run is the kernel's own ({@code RunOutputs.kernelNanos}).
 * The warm-up is at least {@code warmup} runs and at least {@code warmupSeconds} of wall time: the
 * JIT compiles a Java kernel's loops only after many calls, and a fixed count that warms a 1024-long
 * problem leaves a 256-long one cold.
 */
final class Timing {
    private Timing() {}

    /** The statistics of the timed runs and the outputs of the last one. */
    record Timed(Stats stats, RunOutputs last) {}

    static Timed time(Supplier<RunOutputs> run, int warmup, double warmupSeconds, int runs) {
        RunOutputs out = null;
        long start = System.nanoTime();
        for (int i = 0; i < warmup || System.nanoTime() - start < warmupSeconds * 1e9; i++) out = run.get();
        long[] nanos = new long[Math.max(1, runs)];
        for (int i = 0; i < nanos.length; i++) {
            out = run.get();
            nanos[i] = out.kernelNanos();
        }
        return new Timed(Stats.ofNanos(nanos), out);
    }
}
