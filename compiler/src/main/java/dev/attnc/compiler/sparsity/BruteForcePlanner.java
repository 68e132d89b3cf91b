package dev.attnc.compiler.sparsity;

import dev.attnc.kernel.BlockPlan;
import dev.attnc.kernel.TileKind;
import java.util.stream.IntStream;

/**
 * Tier 4, FlexAttention's method: evaluate the mask on the pairs of every tile. Exact for any
 * mask, O(Q_LEN · KV_LEN) work; query tiles run in parallel, each row a key tile at a time. A
 * tile stops being evaluated once it has shown a kept and a dropped pair (it is PARTIAL whatever
 * the rest says).
 */
final class BruteForcePlanner {
    private BruteForcePlanner() {}

    static BlockPlan plan(PointProgram program, Slots slots, int qLen, int kvLen, int blockM, int blockN) {
        int qTiles = BlockPlan.tiles(qLen, blockM), kvTiles = BlockPlan.tiles(kvLen, blockN);
        RowRuns[] rows = new RowRuns[slots.count() * qTiles];
        IntStream.range(0, rows.length).parallel().forEach(i -> {
            int b = slots.b(i / qTiles), h = slots.h(i / qTiles);
            int q0 = i % qTiles * blockM, q1 = Math.min(qLen, q0 + blockM);
            int[] seen = new int[kvTiles];
            PointProgram.Frame f = program.frame(blockN);
            program.enterSlot(f, b, h);
            for (int q = q0; q < q1; q++) {
                program.enterRow(f, q);
                for (int kt = 0; kt < kvTiles; kt++) {
                    if (seen[kt] != 3) seen[kt] |= program.tile(f, kt * blockN, Math.min(kvLen, (kt + 1) * blockN));
                }
            }
            RowRuns row = new RowRuns();
            for (int kt = 0; kt < kvTiles; kt++) {
                row.add(kt, kt + 1, seen[kt] == 2 ? TileKind.EMPTY : seen[kt] == 3 ? TileKind.PARTIAL : TileKind.FULL);
            }
            rows[i] = row;
        });
        return RowRuns.assemble(rows, slots, blockM, blockN, qLen, kvLen, "brute-force");
    }
}
