package dev.attnc.cli.mask;

import dev.attnc.kernel.BlockPlan;
import dev.attnc.kernel.TileKind;

/**
 * One slot's tile grid shrunk to fit a picture: each cell stands for {@code factor} × {@code factor}
 * tiles and counts how many of them are EMPTY, FULL and PARTIAL. Built from the plan's runs in
 * O(query tiles · (runs + cells)), never by asking tile after tile.
 */
final class TileCells {
    final int factor, rows, cols;
    /** counts[(row · cols + col) · 3 + kind.ordinal()]. */
    private final int[] counts;

    private TileCells(int factor, int rows, int cols) {
        this.factor = factor;
        this.rows = rows;
        this.cols = cols;
        this.counts = new int[rows * cols * 3];
    }

    /** The cells of {@code slot}, with the smallest factor that leaves at most {@code maxCells} cells a side. */
    static TileCells of(BlockPlan plan, int slot, int maxCells) {
        int factor = Math.max(1, Math.ceilDiv(Math.max(plan.qTiles, plan.kvTiles), maxCells));
        TileCells c = new TileCells(factor, Math.ceilDiv(plan.qTiles, factor), Math.ceilDiv(plan.kvTiles, factor));
        for (int qt = 0; qt < plan.qTiles; qt++) {
            int row = slot * plan.qTiles + qt;
            int at = 0;
            for (int r = plan.runOffsets[row]; r < plan.runOffsets[row + 1]; r++) {
                c.add(qt, at, plan.runStart[r], TileKind.EMPTY);
                c.add(qt, plan.runStart[r], plan.runEnd[r], plan.runPartial[r] ? TileKind.PARTIAL : TileKind.FULL);
                at = plan.runEnd[r];
            }
            c.add(qt, at, plan.kvTiles, TileKind.EMPTY);
        }
        return c;
    }

    /** Key tiles [from, to) of query tile qt are of one kind. */
    private void add(int qt, int from, int to, TileKind kind) {
        int row = qt / factor;
        for (int col = from / factor; from < to; col++) {
            int end = Math.min(to, (col + 1) * factor);
            counts[(row * cols + col) * 3 + kind.ordinal()] += end - from;
            from = end;
        }
    }

    int count(int row, int col, TileKind kind) {
        return counts[(row * cols + col) * 3 + kind.ordinal()];
    }

    /** The one kind of all the cell's tiles, or null when they differ. */
    TileKind uniform(int row, int col) {
        TileKind only = null;
        for (TileKind k : TileKind.values()) {
            if (count(row, col, k) == 0) continue;
            if (only != null) return null;
            only = k;
        }
        return only;
    }
}
