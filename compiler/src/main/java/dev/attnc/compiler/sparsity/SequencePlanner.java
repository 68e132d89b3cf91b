package dev.attnc.compiler.sparsity;

import dev.attnc.compiler.interp.Bindings;
import dev.attnc.compiler.ir.Attention;
import dev.attnc.kernel.BlockPlan;
import dev.attnc.kernel.Sizes;
import java.util.HashMap;
import java.util.Map;

/**
 * The block plan of a call whose sequences have their own KV_LEN ({@code kvLens[b]}, at most the
 * call's): sequence b's rows are the plan of its length, so a mask over KV_LEN (a causal mask
 * aligned to the end, a window from the last key) sees each sequence's own. Each distinct length is
 * planned once by {@link BlockPlanner} and the rows are assembled per batch element: O(B·slots·query
 * tiles + runs) beyond those plans, nothing per key. A sequence of length 0 visits no tile. The
 * result has the call's key tiles (its plans' runs lie below their own, fewer, tiles); kernels guard
 * the last tile of each sequence with its length. Tensors are seen as the kernels read them in a
 * shorter sequence ({@link Bindings#atSizes}).
 */
public final class SequencePlanner {
    private SequencePlanner() {}

    public static BlockPlan plan(Attention a, Sizes sizes, Bindings bindings, int blockM, int blockN, int[] kvLens) {
        if (kvLens.length != sizes.B()) throw new IllegalArgumentException(kvLens.length + " lengths for B = " + sizes.B());
        Map<Integer, BlockPlan> byLength = new HashMap<>();
        BlockPlanner.MaskAnalysis mask = BlockPlanner.MaskAnalysis.of(a); // once for all the lengths
        boolean perHead = false;
        String method = null;
        for (int len : kvLens) {
            if (len < 0 || len > sizes.KV_LEN()) throw new IllegalArgumentException("sequence length " + len + " outside [0, " + sizes.KV_LEN() + "]");
            if (len == 0) continue;
            BlockPlan p = byLength.computeIfAbsent(len, l -> {
                Sizes own = sizes.withKvLen(l);
                return BlockPlanner.plan(mask, own, l == sizes.KV_LEN() ? bindings : bindings.atSizes(a, own), blockM, blockN);
            });
            perHead |= p.perHead;
            if (method == null) method = p.method;
        }
        BlockPlan.Builder out = new BlockPlan.Builder(blockM, blockN, sizes.Q_LEN(), sizes.KV_LEN(), true, perHead, sizes.H(),
                (method == null ? "empty" : method) + ", per sequence");
        for (int b = 0; b < sizes.B(); b++) {
            BlockPlan p = byLength.get(kvLens[b]);
            for (int h = 0; h < (perHead ? sizes.H() : 1); h++) {
                for (int qt = 0; qt < out.qTiles(); qt++) {
                    if (p != null) {
                        int row = p.slot(b, h) * p.qTiles + qt;
                        for (int r = p.runOffsets[row]; r < p.runOffsets[row + 1]; r++) {
                            out.run(p.runStart[r], p.runEnd[r], p.runPartial[r] ? dev.attnc.kernel.TileKind.PARTIAL : dev.attnc.kernel.TileKind.FULL);
                        }
                    }
                    out.endRow();
                }
            }
        }
        return out.build();
    }
}
