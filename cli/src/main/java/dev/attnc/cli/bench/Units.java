package dev.attnc.cli.bench;

import java.util.List;
import java.util.Locale;

/** GFLOP/s on CPUs, TFLOP/s once anything reaches 1000 GFLOP/s (GPUs): one unit per table and chart. */
final class Units {
    private Units() {}

    static boolean tera(List<Measurement> rows) {
        return rows.stream().mapToDouble(Measurement::gflops).filter(Double::isFinite).max().orElse(0) >= 1000;
    }

    static double value(double gflops, boolean tera) {
        return tera ? gflops / 1000 : gflops;
    }

    static String rate(double gflops, boolean tera) {
        if (!Double.isFinite(gflops)) return "-";
        double v = value(gflops, tera);
        return String.format(Locale.ROOT, v >= 100 ? "%.0f" : v >= 10 ? "%.1f" : "%.2f", v);
    }
}
