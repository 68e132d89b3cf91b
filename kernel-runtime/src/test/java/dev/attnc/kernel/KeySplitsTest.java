package dev.attnc.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Split plans deal each query tile's kept key tiles into contiguous, balanced shares of the same kinds; partials combine by log-sum-exp. */
class KeySplitsTest {
    /** One query tile of 10 key tiles: F F . . P P P . F F (a sink window and a band). */
    private static BlockPlan plan() {
        return new BlockPlan.Builder(64, 64, 1, 640, false, false, 1, "test")
                .run(0, 2, TileKind.FULL).run(4, 7, TileKind.PARTIAL).run(8, 10, TileKind.FULL).endRow().build();
    }

    @Test
    void sharesAreContiguousBalancedAndKeepTheirKinds() {
        BlockPlan split = KeySplits.of(plan(), 3);
        assertEquals(3, split.qTiles);
        // 7 kept tiles: 2, 2 and 3 of them
        assertEquals(List.of("FF........", "....PP....", "......P.FF"), split.grid(0));
        assertEquals(7, KeySplits.maxKeptTiles(plan()));
    }

    @Test
    void moreSplitsThanTilesLeaveEmptyShares() {
        BlockPlan split = KeySplits.of(plan(), 9);
        long kept = 0;
        for (String row : split.grid(0)) kept += row.chars().filter(c -> c != '.').count();
        assertEquals(7, kept);
        assertEquals("..........", split.grid(0).get(0));
        BlockPlan one = plan();
        assertSame(one, KeySplits.of(one, 1), "1 split is the plan itself");
    }

    @Test
    void combineWeighsSoftmaxPartialsAndAddsSigmoidOnes() {
        // two partials of D = 1: O = 1 with LSE ln 1, O = 3 with LSE ln 3, and an empty one
        float[] o = {1f, 3f, 0f}, lse = {0f, (float) Math.log(3), Float.NEGATIVE_INFINITY};
        float[] out = new float[1], outLse = new float[1];
        KeySplits.combineRow(o, 0, 1, lse, 0, 1, 3, 1, false, out, 0, outLse, 0);
        assertEquals((1 * 1 + 3 * 3) / 4f, out[0], 1e-6f);
        assertEquals(Math.log(4), outLse[0], 1e-6);
        KeySplits.combineRow(o, 0, 1, lse, 0, 1, 3, 1, true, out, 0, outLse, 0);
        assertEquals(4f, out[0], 1e-6f);
        assertEquals(Math.log(4), outLse[0], 1e-6);
    }

    @Test
    void rowsWhoseEverySplitIsEmptyKeepNothing() {
        float[] o = {5f, 5f}, lse = {Float.NEGATIVE_INFINITY, Float.NEGATIVE_INFINITY};
        float[] out = {9f}, outLse = {9f};
        KeySplits.combineRow(o, 0, 1, lse, 0, 1, 2, 1, false, out, 0, outLse, 0);
        assertArrayEquals(new float[] {0f}, out);
        assertEquals(Float.NEGATIVE_INFINITY, outLse[0]);
    }
}
