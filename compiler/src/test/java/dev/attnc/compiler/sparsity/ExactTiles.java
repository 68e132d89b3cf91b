package dev.attnc.compiler.sparsity;

import dev.attnc.compiler.interp.Bindings;
import dev.attnc.compiler.interp.Evaluator;
import dev.attnc.kernel.BlockPlan;
import dev.attnc.kernel.Sizes;
import dev.attnc.compiler.ir.Attention;
import dev.attnc.compiler.ir.IrPrinter;
import dev.attnc.kernel.TileKind;

/**
 * The truth the planners are held to, from the reference interpreter itself: the kind of every
 * tile of every (b, h), by evaluating every pair (FlexAttention's method). Small sizes only. The
 * brute-force oracle of every module's tests (the runtime's through this module's test jar).
 */
public final class ExactTiles {
    private ExactTiles() {}

    /** kinds[b][h][qTile][kvTile]. */
    public static TileKind[][][][] of(Attention a, Sizes s, Bindings bindings, int blockM, int blockN) {
        Evaluator ev = new Evaluator(s, bindings.complete(a));
        int qTiles = BlockPlan.tiles(s.Q_LEN(), blockM), kvTiles = BlockPlan.tiles(s.KV_LEN(), blockN);
        TileKind[][][][] kinds = new TileKind[s.B()][s.H()][qTiles][kvTiles];
        for (int b = 0; b < s.B(); b++) {
            for (int h = 0; h < s.H(); h++) {
                boolean[][] kept = new boolean[qTiles][kvTiles], dropped = new boolean[qTiles][kvTiles];
                for (int q = 0; q < s.Q_LEN(); q++) {
                    for (int kv = 0; kv < s.KV_LEN(); kv++) {
                        if (ev.at(b, h, q, kv, 0).evalBool(a.mask())) kept[q / blockM][kv / blockN] = true;
                        else dropped[q / blockM][kv / blockN] = true;
                    }
                }
                for (int qt = 0; qt < qTiles; qt++) {
                    for (int kt = 0; kt < kvTiles; kt++) {
                        kinds[b][h][qt][kt] = !kept[qt][kt] ? TileKind.EMPTY : dropped[qt][kt] ? TileKind.PARTIAL : TileKind.FULL;
                    }
                }
            }
        }
        return kinds;
    }

    /**
     * The exact block plan: one per (b, h), or with {@code shared} one for every (b, h) (a tile is
     * EMPTY only if empty for all, FULL only if full for all), which exercises a kernel's zero plan strides.
     */
    public static BlockPlan plan(Attention a, Sizes s, Bindings bindings, int blockM, int blockN, boolean shared) {
        TileKind[][][][] kinds = of(a, s, bindings, blockM, blockN);
        BlockPlan.Builder plan = new BlockPlan.Builder(blockM, blockN, s.Q_LEN(), s.KV_LEN(), !shared, !shared, s.H(), "brute-force");
        int slots = shared ? 1 : s.B() * s.H();
        for (int slot = 0; slot < slots; slot++) {
            for (int qt = 0; qt < plan.qTiles(); qt++) {
                for (int kt = 0; kt < plan.kvTiles(); kt++) {
                    plan.run(kt, kt + 1, shared ? everyHead(kinds, qt, kt) : kinds[slot / s.H()][slot % s.H()][qt][kt]);
                }
                plan.endRow();
            }
        }
        return plan.build();
    }

    private static TileKind everyHead(TileKind[][][][] kinds, int qt, int kt) {
        boolean anyKept = false;
        boolean allFull = true;
        for (TileKind[][][] batch : kinds) {
            for (TileKind[][] head : batch) {
                anyKept |= head[qt][kt] != TileKind.EMPTY;
                allFull &= head[qt][kt] == TileKind.FULL;
            }
        }
        return allFull ? TileKind.FULL : anyKept ? TileKind.PARTIAL : TileKind.EMPTY;
    }

    /** A description of the first tile where the plan breaks the law, or null if it is sound. */
    static String unsound(BlockPlan plan, TileKind[][][][] exact, Attention a, Sizes s) {
        return check(plan, exact, a, s, false);
    }

    /** A description of the first tile where the plan differs from the truth at all, or null. */
    static String inexact(BlockPlan plan, TileKind[][][][] exact, Attention a, Sizes s) {
        return check(plan, exact, a, s, true);
    }

    private static String check(BlockPlan plan, TileKind[][][][] exact, Attention a, Sizes s, boolean exactly) {
        for (int b = 0; b < s.B(); b++) {
            for (int h = 0; h < s.H(); h++) {
                int slot = plan.slot(b, h);
                for (int qt = 0; qt < plan.qTiles; qt++) {
                    for (int kt = 0; kt < plan.kvTiles; kt++) {
                        TileKind said = plan.kind(slot, qt, kt), truth = exact[b][h][qt][kt];
                        boolean bad = exactly ? said != truth : said != TileKind.PARTIAL && said != truth;
                        if (bad) {
                            return "tile (" + qt + ", " + kt + ") of b=" + b + " h=" + h + " is " + truth + " but " + plan.method
                                    + " says " + said + "; " + s + " blocks " + plan.blockM + "x" + plan.blockN + "\n" + IrPrinter.print(a);
                        }
                    }
                }
            }
        }
        return null;
    }
}
