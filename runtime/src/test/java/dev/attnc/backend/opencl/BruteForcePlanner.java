package dev.attnc.backend.opencl;

import dev.attnc.compiler.interp.Bindings;
import dev.attnc.compiler.interp.Evaluator;
import dev.attnc.kernel.Sizes;
import dev.attnc.compiler.ir.Attention;
import dev.attnc.compiler.ir.Expr;
import dev.attnc.kernel.BlockPlan;
import dev.attnc.kernel.TileKind;

/**
 * Block plans for tests, by evaluating the mask on every (q, kv) pair: FlexAttention's method, and
 * sound by construction. {@code shared}: one plan for every (b, h) (a tile is EMPTY only if empty
 * for all, FULL only if full for all), which exercises the kernel's zero plan strides.
 */
final class BruteForcePlanner {
    private final Evaluator ev;
    private final Expr mask;
    private final Sizes s;
    private final int bm, bn;

    private BruteForcePlanner(Attention a, Sizes s, Bindings bindings, int bm, int bn) {
        this.ev = new Evaluator(s, bindings.complete(a));
        this.mask = a.mask();
        this.s = s;
        this.bm = bm;
        this.bn = bn;
    }

    static BlockPlan plan(Attention a, Sizes s, Bindings bindings, int blockM, int blockN, boolean shared) {
        return new BruteForcePlanner(a, s, bindings, blockM, blockN).plan(shared);
    }

    private BlockPlan plan(boolean shared) {
        BlockPlan.Builder builder = new BlockPlan.Builder(bm, bn, s.Q_LEN(), s.KV_LEN(), !shared, !shared, s.H(), "brute-force");
        int slots = shared ? 1 : s.B() * s.H();
        for (int slot = 0; slot < slots; slot++) {
            for (int qt = 0; qt < builder.qTiles(); qt++) {
                for (int kt = 0; kt < builder.kvTiles(); kt++) {
                    builder.run(kt, kt + 1, shared ? sharedKind(qt, kt) : kind(slot / s.H(), slot % s.H(), qt, kt));
                }
                builder.endRow();
            }
        }
        return builder.build();
    }

    private TileKind sharedKind(int qt, int kt) {
        boolean anyKept = false;
        boolean allFull = true;
        for (int b = 0; b < s.B(); b++) {
            for (int h = 0; h < s.H(); h++) {
                TileKind k = kind(b, h, qt, kt);
                anyKept |= k != TileKind.EMPTY;
                allFull &= k == TileKind.FULL;
            }
        }
        return allFull ? TileKind.FULL : anyKept ? TileKind.PARTIAL : TileKind.EMPTY;
    }

    private TileKind kind(int b, int h, int qt, int kt) {
        int kept = 0;
        int pairs = 0;
        for (int q = qt * bm; q < Math.min(s.Q_LEN(), (qt + 1) * bm); q++) {
            for (int kv = kt * bn; kv < Math.min(s.KV_LEN(), (kt + 1) * bn); kv++) {
                pairs++;
                if (ev.at(b, h, q, kv, 0).evalBool(mask)) kept++;
            }
        }
        return kept == 0 ? TileKind.EMPTY : kept == pairs ? TileKind.FULL : TileKind.PARTIAL;
    }
}
