package dev.attnc.compiler.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The CUDA defaults: per head dimension and architecture, then per how much of the grid a mask keeps. */
class TilePlansTest {
    private static final TilePlan HOPPER_D64 = TilePlans.cuda(64, 9);

    @Test
    void hopperTakesThreeConsumerWarpgroupsAtD64AndTwoAtD128() {
        assertEquals(new TilePlan(192, 128, 12), HOPPER_D64);
        assertEquals(new TilePlan(128, 128, 8), TilePlans.cuda(128, 9));
        assertEquals(new TilePlan(128, 64, 4), TilePlans.cuda(128, 8));
    }

    @Test
    void sparserMasksTakeShorterKeyTilesThenFewerQueryRows() {
        assertEquals(HOPPER_D64, TilePlans.cudaForMask(HOPPER_D64, 64, 0.55)); // causal
        assertEquals(new TilePlan(192, 64, 12), TilePlans.cudaForMask(HOPPER_D64, 64, 0.3)); // document
        assertEquals(new TilePlan(128, 128, 8), TilePlans.cudaForMask(HOPPER_D64, 64, 0.2)); // sliding window
    }

    @Test
    void otherPlansStayAsTheyAre() {
        TilePlan d128 = TilePlans.cuda(128, 9);
        assertEquals(d128, TilePlans.cudaForMask(d128, 128, 0.1));
        TilePlan chosen = new TilePlan(128, 64, 8);
        assertEquals(chosen, TilePlans.cudaForMask(chosen, 64, 0.1));
    }
}
