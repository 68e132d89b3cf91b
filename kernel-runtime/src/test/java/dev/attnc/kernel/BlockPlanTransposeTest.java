package dev.attnc.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** The transposed plan lists, for each key tile, exactly the query tiles that list it, with the same kind. */
class BlockPlanTransposeTest {
    @Test
    void everyTileKeepsItsKindUnderTransposition() {
        Random r = new Random(11);
        TileKind[] kinds = TileKind.values();
        BlockPlan.Builder b = new BlockPlan.Builder(64, 32, 300, 500, false, true, 3, "test");
        for (int slot = 0; slot < 3; slot++) {
            for (int qt = 0; qt < b.qTiles(); qt++) {
                for (int kt = 0; kt < b.kvTiles(); kt++) b.run(kt, kt + 1, kinds[r.nextInt(kinds.length)]);
                b.endRow();
            }
        }
        BlockPlan plan = b.build();
        BlockPlan t = plan.transposed();
        assertEquals(32, t.blockM);
        assertEquals(64, t.blockN);
        assertEquals(plan.kvTiles, t.qTiles);
        assertEquals(plan.qTiles, t.kvTiles);
        t.checkFits(32, 64, new Sizes(1, 3, 3, 500, 300, 8));
        for (int slot = 0; slot < 3; slot++) {
            for (int qt = 0; qt < plan.qTiles; qt++) {
                for (int kt = 0; kt < plan.kvTiles; kt++) assertEquals(plan.kind(slot, qt, kt), t.kind(slot, kt, qt), slot + "/" + qt + "/" + kt);
            }
        }
        assertEquals(plan.counts()[1], t.counts()[1]);
        assertEquals(plan.counts()[2], t.counts()[2]);
    }
}
