package dev.attnc.compiler.sparsity;

import dev.attnc.kernel.BlockPlan;
import dev.attnc.kernel.TileKind;
import java.util.Arrays;

/**
 * The runs of key tiles of one query tile, filled in increasing key order by one planner task;
 * {@link #assemble} turns all rows into a {@link BlockPlan}. Lets the planners work on query
 * tiles in parallel while the plan itself is built in order.
 */
final class RowRuns {
    private int[] runs = new int[6];
    private int n;

    /** Appends tiles [from, to) of a kind; EMPTY and empty ranges add nothing. */
    void add(int from, int to, TileKind kind) {
        if (kind == TileKind.EMPTY || from >= to) return;
        if (n == runs.length) runs = Arrays.copyOf(runs, 2 * n);
        runs[n] = from;
        runs[n + 1] = to;
        runs[n + 2] = kind.ordinal();
        n += 3;
    }

    /**
     * The runs of a query tile from the keys that some row keeps and the keys that every row
     * keeps: tiles fully inside {@code all} are FULL, other tiles touching {@code some} PARTIAL.
     */
    static RowRuns of(KvSet some, KvSet all, int blockN, int kvLen) {
        RowRuns row = new RowRuns();
        int kvTiles = BlockPlan.tiles(kvLen, blockN);
        int[] s = some.bounds();
        int[] a = all.bounds();
        int f = 0;
        for (int i = 0; i < s.length; ) {
            int t0 = s[i] / blockN;
            int t1 = Math.ceilDiv(s[i + 1], blockN);
            // intervals of `some` that share a tile make one run of touched tiles
            for (i += 2; i < s.length && s[i] / blockN <= t1; i += 2) t1 = Math.ceilDiv(s[i + 1], blockN);
            int at = t0;
            for (; f < a.length && a[f] / blockN < t1; f += 2) {
                int f0 = Math.ceilDiv(a[f], blockN);
                int f1 = a[f + 1] == kvLen ? kvTiles : a[f + 1] / blockN;
                if (f0 >= f1) continue;
                row.add(at, f0, TileKind.PARTIAL);
                row.add(f0, f1, TileKind.FULL);
                at = f1;
            }
            row.add(at, t1, TileKind.PARTIAL);
        }
        return row;
    }

    /** The plan of all rows, slot-major then query tile, as {@link BlockPlan} stores them. */
    static BlockPlan assemble(RowRuns[] rows, Slots slots, int blockM, int blockN, int qLen, int kvLen, String method) {
        BlockPlan.Builder plan = new BlockPlan.Builder(blockM, blockN, qLen, kvLen, slots.perBatch(), slots.perHead(), slots.heads(), method);
        TileKind[] kinds = TileKind.values();
        for (RowRuns row : rows) {
            for (int r = 0; r < row.n; r += 3) plan.run(row.runs[r], row.runs[r + 1], kinds[row.runs[r + 2]]);
            plan.endRow();
        }
        return plan.build();
    }
}
