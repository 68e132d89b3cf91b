package dev.attnc.compiler.sparsity;

import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnc.compiler.TestPrograms;
import dev.attnc.compiler.interp.Bindings;
import dev.attnc.kernel.BlockPlan;
import dev.attnc.kernel.Sizes;
import dev.attnc.compiler.interp.TensorData;
import dev.attnc.compiler.ir.Attention;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Which tier plans what, per-batch and per-head slots, brute-force plans that follow contents, and the plan's size. */
class BlockPlannerTest {
    private static final Sizes SIZES = new Sizes(2, 4, 2, 256, 256, 16);

    private static String method(String mask, Bindings b) {
        Attention a = TestPrograms.optimized("attention t(lengths: int[B]) { mask = " + mask + " }");
        return BlockPlanner.plan(a, SIZES, b, 32, 32).method;
    }

    @Test
    void eachTierNamesItsMethod() {
        Bindings lengths = new Bindings(Map.of(), Map.of("lengths", TensorData.of(new double[] {256, 100}, 2)));
        assertEquals("affine", method("q >= kv", lengths));
        assertEquals("affine", method("abs(q - kv) <= 40 || kv < 3", lengths));
        assertEquals("interval", method("q / 64 == kv / 64", lengths));
        assertEquals("tensor-summary", method("kv < lengths[b]", lengths));
        assertEquals("brute-force", method("exp(float(q - kv)) < 2.0", lengths));
        // an affine term that can leave the int range falls back to interval analysis
        assertEquals("interval", method("q * 100000000 >= kv", lengths));
    }

    @Test
    void masksThatReadBOrHArePlannedPerSlot() {
        Attention padding = TestPrograms.optimized("attention t(lengths: int[B]) { mask = kv < lengths[b] }");
        BlockPlan p = BlockPlanner.plan(padding, SIZES, new Bindings(Map.of(), Map.of("lengths", TensorData.of(new double[] {256, 100}, 2))), 32, 32);
        assertTrue(p.perBatch);
        assertFalse(p.perHead);
        assertEquals(2, p.slots());
        assertEquals("FFFFFFFF", p.grid(p.slot(0, 3)).getFirst());
        assertEquals("FFFP....", p.grid(p.slot(1, 3)).getFirst());

        Attention strided = TestPrograms.optimized("attention t { mask = q >= kv && (h % 2 == 0 ? q - kv <= 31 : kv % 64 == 0) }");
        BlockPlan s = BlockPlanner.plan(strided, SIZES, Bindings.none(), 32, 32);
        assertTrue(s.perHead);
        assertFalse(s.perBatch);
        assertEquals(4, s.slots());
        assertEquals(List.of("P.......", "PP......"), s.grid(s.slot(0, 2)).subList(0, 2));
        assertEquals(List.of("P.......", "P.......", "P.P....."), s.grid(s.slot(1, 1)).subList(0, 3));
    }

    @Test
    void bruteForcePlansFollowTheTensorsContentsNotTheirIdentity() {
        Attention a = TestPrograms.optimized("attention t(w: float[KV_LEN]) { mask = exp(w[kv]) > 1.5 }");
        double[] w = new double[256];
        for (int i = 0; i < w.length; i++) w[i] = i % 7 == 0 ? 1 : 0;
        TensorData data = TensorData.of(w, 256);
        BlockPlan first = BlockPlanner.plan(a, SIZES, new Bindings(Map.of(), Map.of("w", data)), 32, 32);
        assertEquals("brute-force", first.method);
        java.util.Arrays.fill(w, 0); // the same tensor object, new contents: nothing is kept now
        BlockPlan second = BlockPlanner.plan(a, SIZES, new Bindings(Map.of(), Map.of("w", data)), 32, 32);
        assertNotEquals(first.grid(0), second.grid(0));
        assertTrue(String.join("", second.grid(0)).chars().allMatch(c -> c == '.'), "every tile EMPTY");
    }

    @Test
    void countsAndBytesFollowTheRuns() {
        Attention causal = TestPrograms.optimized("attention t { mask = q >= kv }");
        BlockPlan p = BlockPlanner.plan(causal, new Sizes(1, 1, 1, 1000, 1000, 16), Bindings.none(), 64, 64);
        assertArrayEquals(new long[] {120, 120, 16}, p.counts(0));
        // 17 row offsets, 31 runs (the first row has only its diagonal tile)
        assertEquals(4 * (17 + 31 + 31) + 31, p.bytes());
    }
}
