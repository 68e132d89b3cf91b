package dev.attnc.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.attnc.compiler.Compilation;
import dev.attnc.compiler.diag.SourceFile;
import dev.attnc.compiler.interp.Bindings;
import dev.attnc.kernel.Sizes;
import dev.attnc.compiler.ir.Attention;
import dev.attnc.kernel.BlockPlan;
import dev.attnc.compiler.sparsity.BlockPlanner;
import org.junit.jupiter.api.Test;

/** The Hopper kernel's work order, without a GPU: L2 sections, longest items first, then head by head. */
class TileOrderTest {
    private static final long ROOMY = 1L << 40; // an L2 that holds every head: one section

    @Test
    void causalItemsComeLongestFirst() {
        Attention a = causal();
        Sizes s = new Sizes(1, 2, 2, 300, 300, 64);
        BlockPlan plan = BlockPlanner.plan(a, s, Bindings.none(), 128, 128); // 3 query tiles with 1, 2, 3 key tiles
        TileOrder order = TileOrder.of(plan, 1, 2, 2, 300 * 64 * 4, ROOMY);
        // codes are qTile * B*H + b*H + h: query tile 2 (both heads), then 1, then 0
        assertArrayEquals(new int[] {4, 5, 2, 3, 0, 1}, order.codes());
    }

    @Test
    void equalWorkRunsHeadByHeadSoSideBySideBlocksShareKAndV() {
        BlockPlan plan = BlockPlan.dense(128, 128, 300, 300, true);
        TileOrder order = TileOrder.of(plan, 2, 1, 1, 300 * 64 * 4, ROOMY);
        // head 0's query tiles 2, 1, 0, then head 1's
        assertArrayEquals(new int[] {4, 2, 0, 5, 3, 1}, order.codes());
    }

    @Test
    void headsWhoseKAndVDoNotFitTogetherRunInSectionsEachLongestFirst() {
        Attention a = causal();
        Sizes s = new Sizes(1, 4, 2, 300, 300, 64);
        BlockPlan plan = BlockPlanner.plan(a, s, Bindings.none(), 128, 128);
        long kvHead = 300 * 64 * 4;
        // room for one K/V head a section: query heads 0, 1 (K/V head 0) run before heads 2, 3 (K/V head 1),
        // and the longest tiles of the second section wait for the shortest of the first
        TileOrder order = TileOrder.of(plan, 1, 4, 2, kvHead, kvHead);
        assertArrayEquals(new int[] {8, 9, 4, 5, 0, 1, 10, 11, 6, 7, 2, 3}, order.codes());
    }

    private static Attention causal() {
        return Compilation.of(new SourceFile("causal", "attention causal { mask = q >= kv }")).orThrow().optimized(null);
    }
}
