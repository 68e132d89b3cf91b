package dev.attnc.bench.sparsity;

import dev.attnc.compiler.Compilation;
import dev.attnc.compiler.diag.SourceFile;
import dev.attnc.compiler.interp.Bindings;
import dev.attnc.kernel.Sizes;
import dev.attnc.compiler.interp.TensorData;
import dev.attnc.compiler.ir.Attention;
import dev.attnc.kernel.BlockPlan;
import dev.attnc.compiler.sparsity.BlockPlanner;
import dev.attnc.compiler.sparsity.Tightness;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

/**
 * How long block plans take to build: attnc's planner against evaluating every pair (what
 * FlexAttention's create_block_mask does), for a document mask and a 2-D neighborhood mask at
 * S = 8K .. 1M with 128 × 128 tiles, and how much memory the plan takes next to a dense block
 * table. Brute force runs only where it should finish in about a minute (judged from its cost per
 * pair at the last size it ran, first a 4K warm-up); elsewhere it prints "skipped".
 * bench/sparsity/create_block_mask.py times PyTorch on the
 * same masks (same document layout: {@link #documentIds}).
 * <p>
 * Run from the repository root: {@code java -cp ... dev.attnc.bench.sparsity.PlanBench [SIZES...]}.
 */
public final class PlanBench {
    static final int BLOCK = 128;
    static final int MAX_DOCUMENT = 4096;
    static final int GRID_WIDTH = 128, RADIUS = 6;
    static final double BRUTE_BUDGET_S = 60;

    private record Mask(String name, Attention attention) {}

    private PlanBench() {}

    public static void main(String[] args) throws IOException {
        int[] sizes = args.length == 0 ? new int[] {8 << 10, 32 << 10, 128 << 10, 1 << 20} : Arrays.stream(args).mapToInt(PlanBench::size).toArray();
        Mask[] masks = {new Mask("document", sample("document")), new Mask("neighborhood_2d", sample("neighborhood_2d"))};
        System.out.printf("cores: %d, tiles %dx%d; document lengths uniform in [1, %d]; neighborhood W=%d R=%d%n%n",
                Runtime.getRuntime().availableProcessors(), BLOCK, BLOCK, MAX_DOCUMENT, GRID_WIDTH, RADIUS);
        System.out.println("| mask | S | method | plan (ms) | brute force (ms) | speedup | tiles E/F/P | needless P | plan bytes | dense table bytes |");
        System.out.println("|---|---|---|---|---|---|---|---|---|---|");
        for (Mask m : masks) {
            double nsPerPair = bruteForce(m, 4 << 10).seconds * 1e9 / Math.pow(4 << 10, 2);
            for (int s : sizes) {
                Sizes shape = new Sizes(1, 1, 1, s, s, 64);
                Bindings bound = bindings(m, s);
                BlockPlan plan = null;
                double best = Double.MAX_VALUE;
                for (int rep = 0; rep < repeats(s); rep++) {
                    long t0 = System.nanoTime();
                    plan = BlockPlanner.plan(m.attention, shape, bound, BLOCK, BLOCK);
                    best = Math.min(best, (System.nanoTime() - t0) / 1e6);
                }
                String brute = "skipped", speedup = "", needless = "";
                if (nsPerPair * Math.pow(s, 2) / 1e9 <= BRUTE_BUDGET_S) {
                    Timed exact = bruteForce(m, s);
                    nsPerPair = exact.seconds * 1e9 / Math.pow(s, 2);
                    if (Tightness.unsound(plan, exact.plan) != 0) throw new AssertionError("unsound plan for " + m.name + " at " + s);
                    brute = String.format("%.0f", exact.seconds * 1e3);
                    speedup = String.format("%.0fx", exact.seconds * 1e3 / best);
                    needless = Long.toString(Tightness.needlessPartial(plan, exact.plan));
                }
                long[] n = plan.counts();
                long qTiles = plan.qTiles, kvTiles = plan.kvTiles;
                // FlexAttention's BlockMask: int32 kv_num_blocks [qTiles] and kv_indices [qTiles, kvTiles], each for partial and full
                long dense = 2 * 4 * (qTiles + qTiles * kvTiles);
                System.out.printf("| %s | %s | %s | %.1f | %s | %s | %d/%d/%d | %s | %s | %s |%n", m.name, label(s), plan.method, best, brute, speedup,
                        n[0], n[1], n[2], needless, bytes(plan.bytes()), bytes(dense));
            }
        }
    }

    private record Timed(BlockPlan plan, double seconds) {}

    private static Timed bruteForce(Mask m, int s) {
        long t0 = System.nanoTime();
        BlockPlan plan = BlockPlanner.bruteForce(m.attention, new Sizes(1, 1, 1, s, s, 64), bindings(m, s), BLOCK, BLOCK);
        return new Timed(plan, (System.nanoTime() - t0) / 1e9);
    }

    private static Bindings bindings(Mask m, int s) {
        return m.name.equals("document")
                ? new Bindings(Map.of(), Map.of("doc", TensorData.of(documentIds(s), s)))
                : new Bindings(Map.of("W", GRID_WIDTH, "R", RADIUS), Map.of());
    }

    /**
     * Sorted document ids for S tokens, lengths uniform in [1, MAX_DOCUMENT] from a 64-bit LCG
     * (Knuth's MMIX constants) seeded with 42, so the Python script builds the very same layout.
     */
    static double[] documentIds(int s) {
        double[] ids = new double[s];
        long x = 42;
        for (int i = 0, id = -1, left = 0; i < s; i++, left--) {
            if (left == 0) {
                x = x * 6364136223846793005L + 1442695040888963407L;
                left = 1 + (int) Long.remainderUnsigned(x >>> 33, MAX_DOCUMENT);
                id++;
            }
            ids[i] = id;
        }
        return ids;
    }

    private static int repeats(int s) {
        return s <= 32 << 10 ? 10 : 3;
    }

    private static Attention sample(String name) throws IOException {
        return Compilation.of(SourceFile.read(Path.of("samples", name + ".attn"))).orThrow().optimized(null);
    }

    private static int size(String s) {
        return s.endsWith("K") ? Integer.parseInt(s.substring(0, s.length() - 1)) << 10
                : s.endsWith("M") ? Integer.parseInt(s.substring(0, s.length() - 1)) << 20 : Integer.parseInt(s);
    }

    private static String label(int s) {
        return s >= 1 << 20 ? (s >> 20) + "M" : (s >> 10) + "K";
    }

    private static String bytes(long b) {
        return b >= 1 << 20 ? String.format("%.1f MiB", b / 1048576.0) : b >= 1 << 10 ? String.format("%.1f KiB", b / 1024.0) : b + " B";
    }
}
