package dev.attnc.compiler.sparsity;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnc.compiler.TestPrograms;
import dev.attnc.compiler.interp.Bindings;
import dev.attnc.compiler.ir.Attention;
import dev.attnc.kernel.BlockPlan;
import dev.attnc.kernel.Sizes;
import dev.attnc.kernel.TileKind;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Masks whose int arithmetic wraps around at small q and kv (ints are 32-bit, ir.Semantics): the
 * block plan of the optimized attention, the one the runtime plans, must call no tile EMPTY or
 * FULL that the program as written (the lowered IR, evaluated pair by pair) does not make so.
 * Before range facts respected wrapping, {@code ranges} decided these comparisons as if ints
 * were unbounded and the planner, seeing a constant mask, made every tile FULL or EMPTY.
 */
class WrappingMasksTest {
    private static final List<String> MASKS = List.of(
            "q * 1073741824 >= 0",            // negative for q = 2, 3 (mod 4)
            "kv + 2147483647 < 0",            // negative for every kv ≥ 1
            "abs(q - 2147483647 - 1) >= 0",   // abs(-2^31) is -2^31 at q = 0
            "kv * 536870912 + q >= 0 && q >= kv");
    private static final List<Sizes> SIZES = List.of(new Sizes(1, 1, 1, 37, 29, 16), new Sizes(1, 2, 1, 8, 64, 16));

    @Test
    void plannedTileKindsAgreeWithEveryPairUnderWrapping() {
        for (String mask : MASKS) {
            String program = "attention wrap {\n    mask = " + mask + "\n}\n";
            Attention lowered = TestPrograms.lowered(program);
            Attention optimized = TestPrograms.optimized(program);
            for (Sizes s : SIZES) {
                for (int block : new int[] {1, 4, 8}) {
                    TileKind[][][][] truth = ExactTiles.of(lowered, s, Bindings.none(), block, block);
                    assertTrue(Arrays.stream(truth).flatMap(Arrays::stream).flatMap(Arrays::stream).flatMap(Arrays::stream)
                            .anyMatch(k -> k != TileKind.FULL), mask + " keeps every pair: not a test of wrapping");
                    for (Attention planned : List.of(lowered, optimized)) {
                        BlockPlan plan = BlockPlanner.plan(planned, s, Bindings.none(), block, block);
                        String where = mask + " (" + plan.method + ") ";
                        assertNull(ExactTiles.unsound(plan, truth, lowered, s), where);
                        if (plan.method.equals("affine") || plan.method.equals("brute-force")) assertNull(ExactTiles.inexact(plan, truth, lowered, s), where);
                    }
                }
            }
        }
    }
}
