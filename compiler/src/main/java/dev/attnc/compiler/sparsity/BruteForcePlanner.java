package dev.attnc.compiler.sparsity;

import java.util.stream.IntStream;

/**
 * Tier 4, FlexAttention's method: evaluate the mask on the pairs of every tile. Exact for any
 * mask, O(Q_LEN · KV_LEN) work; query tiles run in parallel. A tile stops being evaluated once
 * it has shown a kept and a dropped pair (it is PARTIAL whatever the rest says).
 */
final class BruteForcePlanner {
    private BruteForcePlanner() {}

    static BlockPlan plan(PointProgram program, Slots slots, int qLen, int kvLen, int blockM, int blockN) {
        int qTiles = BlockPlan.tiles(qLen, blockM), kvTiles = BlockPlan.tiles(kvLen, blockN);
        RowRuns[] rows = new RowRuns[slots.count() * qTiles];
        IntStream.range(0, rows.length).parallel().forEach(i -> {
            int b = slots.b(i / qTiles), h = slots.h(i / qTiles);
            int q0 = i % qTiles * blockM, q1 = Math.min(qLen, q0 + blockM);
            boolean[] anyKept = new boolean[kvTiles], anyDropped = new boolean[kvTiles];
            double[] v = program.frame();
            program.enterSlot(v, b, h);
            for (int q = q0; q < q1; q++) {
                program.enterRow(v, b, h, q);
                for (int kt = 0; kt < kvTiles; kt++) {
                    if (anyKept[kt] && anyDropped[kt]) continue;
                    for (int kv = kt * blockN, end = Math.min(kvLen, kv + blockN); kv < end; kv++) {
                        if (program.kept(v, b, h, q, kv)) anyKept[kt] = true;
                        else anyDropped[kt] = true;
                    }
                }
            }
            RowRuns row = new RowRuns();
            for (int kt = 0; kt < kvTiles; kt++) {
                row.add(kt, kt + 1, !anyKept[kt] ? TileKind.EMPTY : anyDropped[kt] ? TileKind.PARTIAL : TileKind.FULL);
            }
            rows[i] = row;
        });
        return RowRuns.assemble(rows, slots, blockM, blockN, qLen, kvLen, "brute-force");
    }
}
