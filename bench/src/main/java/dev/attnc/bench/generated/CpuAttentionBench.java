package dev.attnc.bench.generated;

import dev.attnc.AttentionKernel;
import dev.attnc.Attnc;
import dev.attnc.Target;
import dev.attnc.Tensor;
import dev.attnc.baseline.handwritten.FusedAttention;
import dev.attnc.baseline.handwritten.NaiveAttention;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One forward pass on the CPU, three ways on the same inputs: the kernel attnc generates for the
 * variant (through the public API, plan and all), the handwritten fused Java kernel, and the naive
 * three-loop version. B = 1, H = H_KV = 4, Q_LEN = KV_LEN = S, float32.
 * {@code bench/cpu/run-jmh.sh} runs the sweep and turns the times into GFLOP/s (4·D per kept pair).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class CpuAttentionBench {
    @Param({"full", "causal"})
    public String variant;

    @Param({"64", "128"})
    public int D;

    @Param({"1024"})
    public int S;

    /** generated (attnc), handwritten (FusedAttention) or naive (NaiveAttention). */
    @Param({"generated", "handwritten"})
    public String impl;

    private static final int H = 4;

    private Tensor q;
    private Tensor k;
    private Tensor v;
    private float[] qa;
    private float[] ka;
    private float[] va;
    private float[] o;
    private float[] lse;
    private AttentionKernel kernel;
    private AttentionKernel.Prepared prepared;

    @Setup(Level.Trial)
    public void setUp() {
        q = Tensor.random(dev.attnc.DType.F32, 1, 1, H, S, D);
        k = Tensor.random(dev.attnc.DType.F32, 2, 1, H, S, D);
        v = Tensor.random(dev.attnc.DType.F32, 3, 1, H, S, D);
        qa = q.toFloatArray();
        ka = k.toFloatArray();
        va = v.toFloatArray();
        o = new float[qa.length];
        lse = new float[H * S];
        String source = variant.equals("causal") ? "attention causal { mask = q >= kv }" : "attention full {}";
        kernel = Attnc.compile(variant + ".attn", source).kernel(variant, Target.JAVA);
        prepared = kernel.prepare(q, k, v, Map.of(), Double.NaN);
    }

    @Benchmark
    public Object forward() {
        return switch (impl) {
            case "generated" -> kernel.run(prepared);
            case "handwritten" -> {
                FusedAttention.forward(qa, ka, va, o, lse, 1, H, H, S, S, D, variant.equals("causal"));
                yield o;
            }
            case "naive" -> {
                NaiveAttention.forward(qa, ka, va, o, lse, 1, H, H, S, S, D, variant.equals("causal"));
                yield o;
            }
            default -> throw new IllegalArgumentException("impl " + impl);
        };
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        kernel.close();
    }
}
