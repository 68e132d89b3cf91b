package dev.attnc.compiler.sparsity;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.attnc.compiler.TestPrograms;
import dev.attnc.compiler.interp.Bindings;
import dev.attnc.kernel.BlockPlan;
import dev.attnc.kernel.Sizes;
import dev.attnc.compiler.interp.TensorData;
import dev.attnc.compiler.ir.Attention;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Every sample: its tier, a sound plan, and how far from exact it is. Prints one line per sample
 * with the tiles each kind and the needlessly PARTIAL tiles (PARTIAL where brute force finds the
 * tile uniform), which only the interval tiers may have.
 */
class SampleTiersTest {
    private record Case(String sample, MaskClass tier, Sizes sizes, Bindings args, int block) {}

    private static Sizes square(int n) {
        return new Sizes(1, 1, 1, n, n, 16);
    }

    private static Bindings scalars(Map<String, Object> m) {
        return new Bindings(m, Map.of());
    }

    /** Sorted document ids of random lengths 1 .. maxLength; with {@code images}, every other document is -1 (text). */
    private static TensorData documents(int n, int maxLength, boolean images, long seed) {
        Random rnd = new Random(seed);
        double[] ids = new double[n];
        for (int i = 0, id = 0, left = 0; i < n; i++, left--) {
            if (left == 0) {
                id++;
                left = 1 + rnd.nextInt(maxLength);
            }
            ids[i] = images && id % 2 == 0 ? -1 : id;
        }
        return TensorData.of(ids, n);
    }

    private static List<Case> cases() {
        Bindings none = Bindings.none();
        return List.of(
                new Case("causal", MaskClass.AFFINE, square(1000), none, 64),
                new Case("gqa_causal", MaskClass.AFFINE, new Sizes(1, 4, 2, 700, 700, 16), none, 64),
                new Case("alibi", MaskClass.AFFINE, square(700), none, 64),
                new Case("sliding_window", MaskClass.AFFINE, square(2000), scalars(Map.of("window", 200)), 64),
                new Case("gemma2", MaskClass.AFFINE, square(1000), none, 64),
                new Case("prefix_lm", MaskClass.AFFINE, square(1000), scalars(Map.of("prefix", 300)), 64),
                new Case("prefix_lm_const", MaskClass.AFFINE, square(1000), none, 64),
                new Case("longformer", MaskClass.AFFINE, square(2000), scalars(Map.of("radius", 100, "globals", 70)), 64),
                new Case("streaming_llm", MaskClass.AFFINE, square(2000), scalars(Map.of("window", 300)), 64),
                new Case("full", MaskClass.AFFINE, square(500), none, 64),
                new Case("relative_bias", MaskClass.AFFINE, square(500), none, 64),
                new Case("chunked", MaskClass.INTERVAL, square(9000), none, 256),
                new Case("block_causal", MaskClass.INTERVAL, square(2048), scalars(Map.of("frame", 100)), 64),
                new Case("dilated", MaskClass.INTERVAL, square(2048), none, 64),
                new Case("strided", MaskClass.INTERVAL, new Sizes(1, 2, 2, 2048, 2048, 16), none, 64),
                new Case("neighborhood_2d", MaskClass.INTERVAL, square(4096), scalars(Map.of("W", 64, "R", 3)), 128),
                new Case("neighborhood_2d", MaskClass.INTERVAL, square(3000), scalars(Map.of("W", 100, "R", 6)), 64),
                new Case("neighborhood_3d", MaskClass.INTERVAL, square(4 * 16 * 16), scalars(Map.of("T", 4, "H_", 16, "W_", 16)), 64),
                new Case("document", MaskClass.TENSOR, square(2048), new Bindings(Map.of(), Map.of("doc", documents(2048, 400, false, 1))), 64),
                new Case("document_causal", MaskClass.TENSOR, square(2048), new Bindings(Map.of(), Map.of("doc", documents(2048, 400, false, 2))), 64),
                new Case("transfusion", MaskClass.TENSOR, square(2048), new Bindings(Map.of(), Map.of("image", documents(2048, 300, true, 3))), 64),
                new Case("padding", MaskClass.TENSOR, new Sizes(3, 1, 1, 1000, 1000, 16),
                        new Bindings(Map.of(), Map.of("lengths", TensorData.of(new double[] {1000, 517, 64}, 3))), 64));
    }

    @Test
    void everySampleIsClassifiedAndPlannedSoundly() {
        System.out.printf("%-16s %-9s %-15s %8s %8s %8s %9s%n", "sample", "tier", "method", "empty", "full", "partial", "needless");
        for (Case c : cases()) {
            Attention a = TestPrograms.sample(c.sample);
            assertEquals(c.tier, MaskClass.of(a.mask()), c.sample);
            BlockPlan plan = BlockPlanner.plan(a, c.sizes, c.args, c.block, c.block);
            BlockPlan exact = BlockPlanner.bruteForce(a, c.sizes, c.args, c.block, c.block);
            assertEquals(0, Tightness.unsound(plan, exact), c.sample);
            long needless = Tightness.needlessPartial(plan, exact);
            long[] n = plan.counts();
            System.out.printf("%-16s %-9s %-15s %8d %8d %8d %9d%n", c.sample, c.tier, plan.method, n[0], n[1], n[2], needless);
            if (c.tier == MaskClass.AFFINE) assertEquals(0, needless, c.sample);
        }
    }
}
