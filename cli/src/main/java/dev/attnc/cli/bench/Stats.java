package dev.attnc.cli.bench;

import java.util.Arrays;

/**
 * Summary of timed runs, in milliseconds: the median and the spread (10th and 90th percentiles by
 * nearest rank, and the extremes). The median, not the mean: one run slowed by a neighbour on a
 * shared machine must not move the result.
 */
public record Stats(int runs, double medianMs, double p10Ms, double p90Ms, double minMs, double maxMs) {
    public static Stats ofNanos(long[] nanos) {
        if (nanos.length == 0) throw new IllegalArgumentException("no runs");
        long[] s = nanos.clone();
        Arrays.sort(s);
        int n = s.length;
        double median = n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2.0;
        return new Stats(n, median / 1e6, rank(s, 0.10) / 1e6, rank(s, 0.90) / 1e6, s[0] / 1e6, s[n - 1] / 1e6);
    }

    /** Nearest-rank percentile of sorted values. */
    private static double rank(long[] sorted, double p) {
        int i = (int) Math.ceil(p * sorted.length) - 1;
        return sorted[Math.clamp(i, 0, sorted.length - 1)];
    }
}
