package dev.attnc.compiler.sparsity;

import dev.attnc.kernel.BlockPlan;
import dev.attnc.kernel.TileKind;

/**
 * Compares a plan with the exact plan of the same call (from {@link BlockPlanner#bruteForce}):
 * how many tiles it needlessly calls PARTIAL (they cost mask code, not correctness) and how many
 * it gets wrong (EMPTY where a pair is kept, FULL where one is dropped: bugs, always).
 */
public final class Tightness {
    private Tightness() {}

    /** Tiles that {@code plan} calls PARTIAL and {@code exact} calls EMPTY or FULL. */
    public static long needlessPartial(BlockPlan plan, BlockPlan exact) {
        return compare(plan, exact)[0];
    }

    /** Tiles that {@code plan} calls EMPTY or FULL and {@code exact} calls otherwise. */
    public static long unsound(BlockPlan plan, BlockPlan exact) {
        return compare(plan, exact)[1];
    }

    private static long[] compare(BlockPlan plan, BlockPlan exact) {
        if (plan.slots() != exact.slots() || plan.qTiles != exact.qTiles || plan.kvTiles != exact.kvTiles) {
            throw new IllegalArgumentException("plans of different grids");
        }
        long needless = 0, wrong = 0;
        for (int row = 0; row < plan.slots() * plan.qTiles; row++) {
            TileKind[] mine = kinds(plan, row), truth = kinds(exact, row);
            for (int kt = 0; kt < plan.kvTiles; kt++) {
                if (mine[kt] == TileKind.PARTIAL && truth[kt] != TileKind.PARTIAL) needless++;
                if (mine[kt] != TileKind.PARTIAL && mine[kt] != truth[kt]) wrong++;
            }
        }
        return new long[] {needless, wrong};
    }

    private static TileKind[] kinds(BlockPlan p, int row) {
        TileKind[] k = new TileKind[p.kvTiles];
        java.util.Arrays.fill(k, TileKind.EMPTY);
        for (int r = p.runOffsets[row]; r < p.runOffsets[row + 1]; r++) {
            java.util.Arrays.fill(k, p.runStart[r], p.runEnd[r], p.runPartial[r] ? TileKind.PARTIAL : TileKind.FULL);
        }
        return k;
    }
}
