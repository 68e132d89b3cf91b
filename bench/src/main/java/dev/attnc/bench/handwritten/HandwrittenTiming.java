package dev.attnc.bench.handwritten;

import dev.attnc.baseline.handwritten.AttentionShape;
import dev.attnc.baseline.handwritten.FusedAttention;
import dev.attnc.baseline.handwritten.NaiveAttention;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Quick GFLOP/s table for the handwritten kernels without JMH (wall clock, median and best of repeated
 * calls after a warm-up). Usage:
 * {@code java --add-modules jdk.incubator.vector -cp bench/target/benchmarks.jar
 * dev.attnc.bench.handwritten.HandwrittenTiming [impl=fused|naive] [D=64,128] [S=1024,4096]
 * [variant=full,causal] [B=1] [H=4] [H_KV=4] [peak=166] [seconds=3]}.
 */
public final class HandwrittenTiming {
    private HandwrittenTiming() {
    }

    public static void main(String[] args) {
        String impl = "fused";
        int[] ds = {64, 128};
        int[] ss = {1024, 4096};
        String[] variants = {"full", "causal"};
        int b = 1;
        int h = 4;
        int hkv = 4;
        double peak = 166;
        double seconds = 3;
        for (String a : args) {
            String[] kv = a.split("=", 2);
            if (kv.length != 2) {
                throw new IllegalArgumentException("expected key=value: " + a);
            }
            switch (kv[0]) {
                case "impl" -> impl = kv[1];
                case "D" -> ds = ints(kv[1]);
                case "S" -> ss = ints(kv[1]);
                case "variant" -> variants = kv[1].split(",");
                case "B" -> b = Integer.parseInt(kv[1]);
                case "H" -> h = Integer.parseInt(kv[1]);
                case "H_KV" -> hkv = Integer.parseInt(kv[1]);
                case "peak" -> peak = Double.parseDouble(kv[1]);
                case "seconds" -> seconds = Double.parseDouble(kv[1]);
                default -> throw new IllegalArgumentException("unknown key: " + kv[0]);
            }
        }
        System.out.printf(Locale.ROOT, "impl=%s species=%s cores=%d B=%d H=%d H_KV=%d%n", impl,
                FusedAttention.vectorShape(), Runtime.getRuntime().availableProcessors(), b, h, hkv);
        System.out.printf(Locale.ROOT, "%-7s %4s %6s %10s %10s %9s %9s %8s%n", "variant", "D", "S", "median ms",
                "best ms", "GFLOP/s", "best", "%peak");
        for (int d : ds) {
            for (int s : ss) {
                for (String variant : variants) {
                    run(impl, variant.equals("causal"), b, h, hkv, s, d, peak, seconds);
                }
            }
        }
    }

    private static void run(String impl, boolean causal, int b, int h, int hkv, int s, int d, double peak,
                            double seconds) {
        SplittableRandom rnd = new SplittableRandom(1);
        float[] q = new float[b * h * s * d];
        float[] k = new float[b * hkv * s * d];
        float[] v = new float[b * hkv * s * d];
        for (float[] a : new float[][] {q, k, v}) {
            for (int i = 0; i < a.length; i++) {
                a[i] = (float) (rnd.nextDouble() * 2 - 1);
            }
        }
        float[] o = new float[b * h * s * d];
        float[] lse = new float[b * h * s];
        Runnable call = impl.equals("naive")
                ? () -> NaiveAttention.forward(q, k, v, o, lse, b, h, hkv, s, s, d, causal)
                : () -> FusedAttention.forward(q, k, v, o, lse, b, h, hkv, s, s, d, causal);
        long budget = (long) (seconds * 1e9);
        long t0 = System.nanoTime();
        int warm = 0;
        while (warm < 2 || System.nanoTime() - t0 < budget / 3) {
            call.run();
            warm++;
        }
        List<Double> times = new ArrayList<>();
        t0 = System.nanoTime();
        while (times.size() < 3 || System.nanoTime() - t0 < budget) {
            long t = System.nanoTime();
            call.run();
            times.add((System.nanoTime() - t) / 1e9);
        }
        Collections.sort(times);
        double median = times.get(times.size() / 2);
        double best = times.get(0);
        double flops = AttentionShape.flops(b, h, s, s, d, causal, 0);
        System.out.printf(Locale.ROOT, "%-7s %4d %6d %10.3f %10.3f %9.1f %9.1f %7.1f%%%n", causal ? "causal" : "full",
                d, s, median * 1e3, best * 1e3, flops / median / 1e9, flops / best / 1e9,
                100 * flops / median / 1e9 / peak);
    }

    private static int[] ints(String csv) {
        String[] p = csv.split(",");
        int[] r = new int[p.length];
        for (int i = 0; i < p.length; i++) {
            r[i] = Integer.parseInt(p[i].trim());
        }
        return r;
    }
}
