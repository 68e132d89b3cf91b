package dev.attnc.backend.cpu;

import dev.attnc.DType;
import dev.attnc.Tensor;
import dev.attnc.backend.CompiledKernel;
import dev.attnc.backend.KernelRequest;
import dev.attnc.backend.RunInputs;
import dev.attnc.compiler.interp.Reference;
import dev.attnc.kernel.Sizes;
import dev.attnc.compiler.ir.Attention;
import dev.attnc.compiler.plan.TilePlan;
import dev.attnc.kernel.BlockPlan;
import dev.attnc.kernel.TileKind;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;

/**
 * A timing harness, not a test: GFLOP/s of generated kernels (4·D flops per kept pair), the best
 * and the median of 30 runs after 10 of warm-up, kernel time only (RunOutputs.kernelNanos).
 * Usage, after {@code mvn test-compile -pl runtime}:
 * <pre>java --add-modules jdk.incubator.vector -cp CLASSPATH dev.attnc.backend.cpu.CpuBackendBench
 *     [full|causal|alibi|softcap] [S=2048] [D=128] [H=4] [BMxBN=64x64]</pre>
 */
public final class CpuBackendBench {
    private CpuBackendBench() {}

    public static void main(String[] argv) {
        String variant = argv.length > 0 ? argv[0] : "full";
        int len = argv.length > 1 ? Integer.parseInt(argv[1]) : 2048;
        int d = argv.length > 2 ? Integer.parseInt(argv[2]) : 128;
        int heads = argv.length > 3 ? Integer.parseInt(argv[3]) : 4;
        String[] tile = (argv.length > 4 ? argv[4] : "64x64").split("x");
        TilePlan tiles = new TilePlan(Integer.parseInt(tile[0]), Integer.parseInt(tile[1]), 1);
        boolean causal = variant.equals("causal") || variant.equals("alibi");
        Attention a = Fixture.parse(switch (variant) {
            case "full" -> "attention full {}";
            case "causal" -> "attention causal { mask = q >= kv }";
            case "alibi" -> "attention alibi(slopes: float[H]) { score = score + slopes[h] * float(kv - q) \n mask = q >= kv }";
            case "softcap" -> "attention softcap(cap: float = 30.0) { score = cap * tanh(score / cap) }";
            default -> throw new IllegalArgumentException("variant: full, causal, alibi or softcap");
        });
        Map<String, Tensor> tensors = variant.equals("alibi") ? Map.of("slopes", Tensor.random(DType.F32, 4, heads)) : Map.of();
        Sizes s = new Sizes(1, heads, heads, len, len, d);
        try (CpuBackend backend = new CpuBackend(new KernelCache(null), Runtime.getRuntime().availableProcessors())) {
            CompiledKernel k = backend.compile(new KernelRequest(a, DType.F32, d, tiles));
            RunInputs in = new RunInputs(s, Tensor.random(DType.F32, 1, 1, heads, len, d), Tensor.random(DType.F32, 2, 1, heads, len, d),
                    Tensor.random(DType.F32, 3, 1, heads, len, d), Map.of(), tensors, Reference.defaultScale(s), plan(causal, len, tiles));
            double pairs = causal ? (double) len * (len + 1) / 2 * heads : (double) len * len * heads;
            double flops = 4.0 * d * pairs;
            for (int i = 0; i < 10; i++) k.run(in);
            long[] times = new long[30];
            for (int i = 0; i < times.length; i++) times[i] = k.run(in).kernelNanos();
            Arrays.sort(times);
            System.out.printf(Locale.ROOT, "%s B=1 H=%d S=%d D=%d tiles %s on %s: best %.2f ms = %.1f GFLOP/s, median %.1f GFLOP/s%n",
                    variant, heads, len, d, tiles.describe(), backend.device(), times[0] / 1e6, flops / times[0], flops / times[times.length / 2]);
        }
    }

    /** Full: one FULL run per query tile. Causal: FULL below the diagonal, PARTIAL across it. */
    private static BlockPlan plan(boolean causal, int len, TilePlan t) {
        if (!causal) return BlockPlan.dense(t.blockM(), t.blockN(), len, len, true);
        BlockPlan.Builder b = new BlockPlan.Builder(t.blockM(), t.blockN(), len, len, false, false, 1, "bench");
        for (int qt = 0; qt < b.qTiles(); qt++) {
            int firstRow = qt * t.blockM();
            int lastRow = Math.min(len, firstRow + t.blockM()) - 1;
            int full = (firstRow + 1) / t.blockN();        // key tiles entirely at or below the first row
            int last = lastRow / t.blockN() + 1;           // key tiles up to the last row's diagonal
            b.run(0, full, TileKind.FULL).run(full, last, TileKind.PARTIAL).endRow();
        }
        return b.build();
    }
}
