package dev.attnc;

import dev.attnc.compiler.interp.Bindings;
import dev.attnc.compiler.interp.Evaluator;
import dev.attnc.kernel.Sizes;
import dev.attnc.compiler.ir.Attention;
import dev.attnc.compiler.ir.Axis;
import dev.attnc.compiler.ir.Expr;
import dev.attnc.kernel.BlockPlan;

/**
 * The exact number of (query, key) pairs an attention keeps, summed over every batch and head, from
 * its block plan: a FULL tile keeps all its in-range pairs, an EMPTY tile none, and only the pairs
 * of PARTIAL tiles are evaluated with the reference {@link Evaluator}. Banded masks have O(Q_LEN)
 * partial tiles, so this is cheap where brute force (Q_LEN · KV_LEN per head) is not. The mask is
 * evaluated once for all batches (heads) when it does not read b (h).
 */
public final class KeptPairs {
    private KeptPairs() {}

    public static long count(Attention a, Sizes s, Bindings bindings, BlockPlan plan) {
        return count(a, s, bindings, plan, null);
    }

    /** With each sequence's own KV_LEN ({@code kvLens}, null: none): sequence b counts its keys below kvLens[b]. */
    public static long count(Attention a, Sizes s, Bindings bindings, BlockPlan plan, int[] kvLens) {
        boolean perB = reads(a.mask(), Axis.B) || plan.perBatch || kvLens != null;
        boolean perH = reads(a.mask(), Axis.H) || plan.perHead;
        Bindings complete = bindings.complete(a);
        long total = 0;
        for (int b = 0; b < (perB ? s.B() : 1); b++) {
            int len = kvLens == null ? s.KV_LEN() : kvLens[b];
            if (len == 0) continue;
            Sizes own = len == s.KV_LEN() ? s : s.withKvLen(len);
            Evaluator ev = new Evaluator(own, own == s ? complete : complete.atSizes(a, own));
            for (int h = 0; h < (perH ? s.H() : 1); h++) total += slot(a, own, plan, ev, b, h);
        }
        return total * (perB ? 1 : s.B()) * (perH ? 1 : s.H());
    }

    private static long slot(Attention a, Sizes s, BlockPlan plan, Evaluator ev, int b, int h) {
        int slot = plan.slot(b, h);
        long kept = 0;
        for (int qt = 0; qt < plan.qTiles; qt++) {
            int q0 = qt * plan.blockM, q1 = Math.min(q0 + plan.blockM, s.Q_LEN());
            int row = slot * plan.qTiles + qt;
            for (int r = plan.runOffsets[row]; r < plan.runOffsets[row + 1]; r++) {
                int kv0 = plan.runStart[r] * plan.blockN, kv1 = Math.min(plan.runEnd[r] * plan.blockN, s.KV_LEN());
                if (!plan.runPartial[r]) {
                    kept += (long) (q1 - q0) * Math.max(0, kv1 - kv0);
                    continue;
                }
                for (int q = q0; q < q1; q++) {
                    for (int kv = kv0; kv < kv1; kv++) {
                        if (ev.at(b, h, q, kv, 0).evalBool(a.mask())) kept++;
                    }
                }
            }
        }
        return kept;
    }

    /** Whether {@code e} reads the index {@code axis} anywhere (directly or in a tensor index). */
    private static boolean reads(Expr e, Axis axis) {
        if (e instanceof Expr.Index i && i.axis() == axis) return true;
        for (Expr c : e.children()) {
            if (reads(c, axis)) return true;
        }
        return false;
    }
}
