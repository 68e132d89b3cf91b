package dev.attnc.bench.handwritten;

import dev.attnc.baseline.handwritten.AttentionShape;
import dev.attnc.baseline.handwritten.FusedAttention;
import dev.attnc.baseline.handwritten.NaiveAttention;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Average time of one forward pass of the handwritten baselines.
 *
 * <p>Defaults are small (S = 1024, fused only); widen from the command line, e.g.
 * {@code java --add-modules jdk.incubator.vector -jar bench/target/benchmarks.jar HandwrittenBench
 * -p S=1024,2048,4096,8192 -p impl=fused,naive}. GFLOP/s = {@link AttentionShape#flops} / time
 * (4·D per kept (query, key) pair; causal keeps S·(S+1)/2 pairs per head).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class HandwrittenBench {
    /** full or causal. */
    @Param({"full", "causal"})
    public String variant;

    @Param({"64", "128"})
    public int D;

    /** Q_LEN = KV_LEN; the full sweep is 1024, 2048, 4096, 8192. */
    @Param({"1024"})
    public int S;

    @Param({"1"})
    public int B;

    @Param({"4"})
    public int H;

    @Param({"4"})
    public int H_KV;

    /** fused ({@link FusedAttention}) or naive ({@link NaiveAttention}, slow: seconds per call at S = 4096). */
    @Param({"fused"})
    public String impl;

    private float[] q;
    private float[] k;
    private float[] v;
    private float[] o;
    private float[] lse;
    private boolean causal;

    @Setup
    public void setup() {
        if (!variant.equals("full") && !variant.equals("causal")) {
            throw new IllegalArgumentException("variant must be full or causal: " + variant);
        }
        causal = variant.equals("causal");
        SplittableRandom rnd = new SplittableRandom(42);
        q = random(rnd, B * H * S * D);
        k = random(rnd, B * H_KV * S * D);
        v = random(rnd, B * H_KV * S * D);
        o = new float[B * H * S * D];
        lse = new float[B * H * S];
    }

    private static float[] random(SplittableRandom rnd, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (rnd.nextDouble() * 2 - 1);
        }
        return a;
    }

    @Benchmark
    public float[] forward() {
        if (impl.equals("naive")) {
            NaiveAttention.forward(q, k, v, o, lse, B, H, H_KV, S, S, D, causal);
        } else {
            FusedAttention.forward(q, k, v, o, lse, B, H, H_KV, S, S, D, causal);
        }
        return o;
    }
}
