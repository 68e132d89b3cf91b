package dev.attnc.compiler.sparsity;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.attnc.compiler.TestPrograms;
import dev.attnc.compiler.interp.Bindings;
import dev.attnc.kernel.BlockPlan;
import dev.attnc.kernel.Sizes;
import dev.attnc.compiler.ir.Attention;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Affine masks are planned exactly: the plan equals the brute-force plan tile for tile, for
 * square and rectangular problems, ragged edges and odd tile shapes.
 */
class AffineTightnessTest {
    @ParameterizedTest(name = "{0} Q={1} KV={2} {3}x{4}")
    @CsvSource(delimiter = ';', value = {
            "q >= kv; 1000; 1000; 64; 64",
            "q >= kv; 300; 1000; 64; 32",
            "q >= kv; 1000; 300; 16; 128",
            "q + KV_LEN - Q_LEN >= kv; 300; 1000; 64; 64",
            "q + KV_LEN - Q_LEN >= kv; 257; 999; 7; 5",
            "q >= kv && q - kv <= 200; 1000; 1000; 64; 64",
            "q >= kv && q - kv <= 200; 700; 1300; 32; 48",
            "q - kv <= 37 && kv <= q; 513; 511; 16; 16",
            "kv < 300 || q >= kv; 1000; 1000; 64; 64",
            "kv < 300 || q >= kv; 400; 1000; 128; 64",
            "abs(q - kv) <= 100 || q < 70 || kv < 70; 1000; 1000; 64; 64",
            "abs(q - 2 * kv) <= 30; 600; 300; 32; 16",
            "q >= kv && (kv < 4 || q - kv <= 100); 900; 900; 64; 64",
            "min(q, 500) >= kv; 800; 800; 64; 64",
            "q == kv || q == kv + 64; 256; 256; 64; 64",
            "3 * q - 2 * kv + 5 != 0; 128; 128; 8; 8",
            "(q >= kv) == (kv >= 100); 300; 300; 32; 32",
    })
    void planEqualsBruteForce(String mask, int qLen, int kvLen, int blockM, int blockN) {
        Attention a = TestPrograms.optimized("attention t { mask = " + mask + " }");
        assertEquals(MaskClass.AFFINE, MaskClass.of(a.mask()));
        Sizes s = new Sizes(1, 1, 1, qLen, kvLen, 16);
        BlockPlan plan = BlockPlanner.plan(a, s, Bindings.none(), blockM, blockN);
        BlockPlan exact = BlockPlanner.bruteForce(a, s, Bindings.none(), blockM, blockN);
        assertEquals("affine", plan.method);
        assertEquals(plan.grid(0), exact.grid(0));
        assertArrayEquals(exact.counts(), plan.counts());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"sliding_window, window, 200", "prefix_lm, prefix, 300", "longformer, radius, 100", "streaming_llm, window, 300"})
    void samplesWithArgumentsPlanExactly(String sample, String param, int value) {
        Attention a = TestPrograms.sample(sample);
        Sizes s = new Sizes(1, 1, 1, 1000, 1200, 16);
        Bindings b = new Bindings(Map.of(param, value), Map.of());
        BlockPlan plan = BlockPlanner.plan(a, s, b, 64, 64);
        assertEquals("affine", plan.method);
        assertEquals(BlockPlanner.bruteForce(a, s, b, 64, 64).grid(0), plan.grid(0));
    }
}
