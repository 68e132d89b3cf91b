package dev.attnc.cli.bench;

import dev.attnc.backend.RunOutputs;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * Warm-up runs, then timed runs; the time of a run is the kernel's own ({@code RunOutputs.kernelNanos}).
 * The warm-up is at least {@code warmup} runs and at least {@code warmupSeconds} of wall time per
 * contender: the JIT compiles a Java kernel's loops only after many calls, and a fixed count that
 * warms a 1024-long problem leaves a 256-long one cold.
 */
final class Timing {
    private Timing() {}

    /** The statistics of the timed runs and the outputs of the last one. */
    record Timed(Stats stats, RunOutputs last) {}

    /**
     * Several contenders taking turns: each warm-up round and each timed round runs every one once,
     * in order. Returns their results in the same order.
     */
    static List<Timed> interleaved(List<Supplier<RunOutputs>> contenders, int warmup, double warmupSeconds, int runs) {
        int n = contenders.size();
        RunOutputs[] last = new RunOutputs[n];
        long start = System.nanoTime();
        for (int i = 0; i < warmup || System.nanoTime() - start < warmupSeconds * 1e9 * n; i++) {
            for (int c = 0; c < n; c++) last[c] = contenders.get(c).get();
        }
        long[][] nanos = new long[n][Math.max(1, runs)];
        for (int i = 0; i < nanos[0].length; i++) {
            for (int c = 0; c < n; c++) {
                last[c] = contenders.get(c).get();
                nanos[c][i] = last[c].kernelNanos();
            }
        }
        List<Timed> out = new ArrayList<>();
        for (int c = 0; c < n; c++) out.add(new Timed(Stats.ofNanos(nanos[c]), last[c]));
        return out;
    }
}
