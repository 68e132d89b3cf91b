package dev.attnc.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnc.Attnc;
import dev.attnc.compiler.interp.Bindings;
import dev.attnc.compiler.interp.Sizes;
import dev.attnc.compiler.ir.Attention;
import dev.attnc.compiler.sparsity.BlockPlan;
import dev.attnc.compiler.sparsity.BlockPlanner;
import org.junit.jupiter.api.Test;

/** The Hopper kernel's work order, without a GPU: longest items first, later query tiles first among equals. */
class TileOrderTest {
    @Test
    void causalItemsComeLongestFirstAndAreNotUniform() {
        Attention a = Attnc.compile("causal", "attention causal { mask = q >= kv }").ir(null);
        Sizes s = new Sizes(1, 2, 2, 300, 300, 64);
        BlockPlan plan = BlockPlanner.plan(a, s, Bindings.none(), 128, 128); // 3 query tiles with 1, 2, 3 key tiles
        TileOrder order = TileOrder.of(plan, 1, 2);
        // codes are qTile * B*H + b*H + h: query tile 2 (both heads), then 1, then 0
        assertArrayEquals(new int[] {4, 5, 2, 3, 0, 1}, order.codes());
        assertFalse(order.uniform());
    }

    @Test
    void aDenseMaskIsUniformAndKeepsLaterQueryTilesFirst() {
        BlockPlan plan = BlockPlan.dense(128, 128, 300, 300, true);
        TileOrder order = TileOrder.of(plan, 2, 1);
        assertArrayEquals(new int[] {4, 5, 2, 3, 0, 1}, order.codes());
        assertTrue(order.uniform());
    }
}
