package dev.attnc.backend.opencl;

import dev.attnc.compiler.interp.Sizes;
import dev.attnc.compiler.plan.TilePlan;
import dev.attnc.compiler.sparsity.BlockPlan;

/**
 * Checks a block plan against the kernel's tiles and the call's sizes before the kernel walks it:
 * a kernel reads whatever offsets it is given, and a wrong one reads outside its buffers. A plan
 * that does not fit is a bug of whoever made it, so this throws IllegalArgumentException.
 */
final class PlanCheck {
    private PlanCheck() {}

    static void check(BlockPlan p, TilePlan tiles, Sizes s) {
        require(p.blockM == tiles.blockM() && p.blockN == tiles.blockN(),
                "the block plan has tiles " + p.blockM + "x" + p.blockN + " but the kernel " + tiles.blockM() + "x" + tiles.blockN());
        require(p.qTiles == BlockPlan.tiles(s.Q_LEN(), p.blockM) && p.kvTiles == BlockPlan.tiles(s.KV_LEN(), p.blockN),
                "the block plan has " + p.qTiles + "x" + p.kvTiles + " tiles but Q_LEN " + s.Q_LEN() + ", KV_LEN " + s.KV_LEN() + " need "
                        + BlockPlan.tiles(s.Q_LEN(), p.blockM) + "x" + BlockPlan.tiles(s.KV_LEN(), p.blockN));
        require(!p.perHead || p.heads == s.H(), "the block plan is per head for " + p.heads + " heads but H is " + s.H());
        require(p.slots() >= p.slots(s.B()), "the block plan has " + p.slots() + " slots but B " + s.B() + ", H " + s.H() + " need " + p.slots(s.B()));
        int[] off = p.runOffsets;
        require(off[0] == 0 && off[off.length - 1] == p.runStart.length
                && p.runEnd.length == p.runStart.length && p.runPartial.length == p.runStart.length, "the block plan's arrays do not agree");
        for (int i = 1; i < off.length; i++) require(off[i] >= off[i - 1], "the block plan's run offsets decrease at " + i);
        for (int r = 0; r < p.runStart.length; r++) {
            require(0 <= p.runStart[r] && p.runStart[r] < p.runEnd[r] && p.runEnd[r] <= p.kvTiles,
                    "run " + r + " of the block plan, [" + p.runStart[r] + ", " + p.runEnd[r] + "), is not within " + p.kvTiles + " key tiles");
        }
    }

    /** The plan row stride of b and of h (a plan that does not vary with one has stride 0 there). */
    static int[] strides(BlockPlan p) {
        int perBatch = p.perHead ? p.heads : 1;
        return new int[] {p.perBatch ? perBatch : 0, p.perHead ? 1 : 0};
    }

    private static void require(boolean ok, String message) {
        if (!ok) throw new IllegalArgumentException(message);
    }
}
