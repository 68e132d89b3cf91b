package dev.attnc.cli.mask;

import dev.attnc.kernel.BlockPlan;
import dev.attnc.kernel.TileKind;

/**
 * The plan of one slot as a picture for the terminal: two characters a cell so cells look
 * square, the grid shrunk (several tiles a cell) to stay within about 100 columns, then a legend
 * with the tiles of each kind and their share.
 * <pre>
 * causal: Q_LEN 1000 × KV_LEN 1000, 16 × 16 tiles of 64×64, method affine
 *      kv →
 *  q ┌────────────────────────────────┐
 *  ↓ │▒▒······························│
 *    │██▒▒····························│
 *    ...
 * </pre>
 */
public final class MaskText {
    static final int MAX_CELLS = 48;
    private static final String FULL = "██", PARTIAL = "▒▒", EMPTY = "··", MIXED = "░░";

    private MaskText() {}

    public static String of(String title, BlockPlan plan, int slot) {
        TileCells cells = TileCells.of(plan, slot, MAX_CELLS);
        StringBuilder s = new StringBuilder(title).append('\n');
        s.append("     kv →\n");
        s.append(" q ┌").repeat("─", 2 * cells.cols).append("┐\n");
        for (int r = 0; r < cells.rows; r++) {
            s.append(r == 0 ? " ↓ │" : "   │");
            for (int c = 0; c < cells.cols; c++) s.append(glyph(cells.uniform(r, c)));
            s.append("│\n");
        }
        s.append("   └").repeat("─", 2 * cells.cols).append("┘\n");
        long[] n = plan.counts(slot);
        double total = n[0] + n[1] + n[2];
        s.append(String.format("   %s full %d (%s)   %s partial %d (%s)   %s empty %d (%s)%n",
                FULL, n[1], share(n[1], total), PARTIAL, n[2], share(n[2], total), EMPTY, n[0], share(n[0], total)));
        if (cells.factor > 1) {
            s.append(String.format("   each cell is %d × %d tiles; %s marks a cell whose tiles differ%n", cells.factor, cells.factor, MIXED));
        }
        return s.toString();
    }

    /** n of total as a percentage, "<0.1%" rather than a misleading "0.0%" for a few tiles of millions. */
    static String share(long n, double total) {
        double p = 100 * n / total;
        return p > 0 && p < 0.1 ? "<0.1%" : String.format("%.1f%%", p);
    }

    private static String glyph(TileKind kind) {
        return kind == null ? MIXED : switch (kind) {
            case FULL -> FULL;
            case PARTIAL -> PARTIAL;
            case EMPTY -> EMPTY;
        };
    }
}
