package dev.attnc.compiler.sparsity;

import dev.attnc.kernel.BlockPlan;
import dev.attnc.kernel.TileKind;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ForkJoinPool;

/**
 * Tiers 2 and 3: hierarchical refinement with {@link IntervalProgram}. A rectangle of tiles is
 * evaluated as one box; if the mask is TRUE (FALSE) over it, all its tiles are FULL (EMPTY) at
 * once; otherwise it is halved along its longer side, down to single tiles, which stay PARTIAL
 * when still UNKNOWN. A banded or block-diagonal mask then costs about its partial tiles times
 * the depth, not one evaluation per tile; the worst case is under two evaluations per tile.
 * Query tiles are cut into chunks that run in parallel, each chunk's rows its own.
 */
final class IntervalPlanner {
    private final IntervalProgram program;
    private final int qLen, kvLen, blockM, blockN, kvTiles;
    private final RowRuns[] rows;

    private IntervalPlanner(IntervalProgram program, int qLen, int kvLen, int blockM, int blockN, int rowCount) {
        this.program = program;
        this.qLen = qLen;
        this.kvLen = kvLen;
        this.blockM = blockM;
        this.blockN = blockN;
        this.kvTiles = BlockPlan.tiles(kvLen, blockN);
        this.rows = new RowRuns[rowCount];
        for (int i = 0; i < rowCount; i++) rows[i] = new RowRuns();
    }

    static BlockPlan plan(IntervalProgram program, Slots slots, int qLen, int kvLen, int blockM, int blockN, String method) {
        int qTiles = BlockPlan.tiles(qLen, blockM);
        IntervalPlanner p = new IntervalPlanner(program, qLen, kvLen, blockM, blockN, slots.count() * qTiles);
        int chunk = Math.max(1, Math.ceilDiv(qTiles, 8 * ForkJoinPool.getCommonPoolParallelism()));
        record Task(int slot, int qt0, int qt1) {}
        List<Task> tasks = new ArrayList<>();
        for (int s = 0; s < slots.count(); s++) {
            for (int qt = 0; qt < qTiles; qt += chunk) tasks.add(new Task(s, qt, Math.min(qTiles, qt + chunk)));
        }
        Object[][] slotValues = new Object[slots.count()][];
        for (int s = 0; s < slotValues.length; s++) slotValues[s] = program.slot(slots.b(s), slots.h(s));
        tasks.parallelStream().forEach(t -> p.refine(slotValues[t.slot], t.slot * qTiles, t.qt0, t.qt1, 0, p.kvTiles));
        return RowRuns.assemble(p.rows, slots, blockM, blockN, qLen, kvLen, method);
    }

    /**
     * Query tiles [qt0, qt1) × key tiles [kt0, kt1). Left halves go before right halves, so each
     * row receives its runs in increasing key order.
     */
    private void refine(Object[] slot, int rowBase, int qt0, int qt1, int kt0, int kt1) {
        Tri t = program.eval(slot, qt0 * blockM, Math.min(qLen, qt1 * blockM) - 1, kt0 * blockN, Math.min(kvLen, kt1 * blockN) - 1);
        if (t == Tri.FALSE) return;
        boolean single = qt1 - qt0 == 1 && kt1 - kt0 == 1;
        if (t == Tri.TRUE || single) {
            TileKind kind = t == Tri.TRUE ? TileKind.FULL : TileKind.PARTIAL;
            for (int qt = qt0; qt < qt1; qt++) rows[rowBase + qt].add(kt0, kt1, kind);
        } else if (qt1 - qt0 >= kt1 - kt0) {
            int mid = (qt0 + qt1) >>> 1;
            refine(slot, rowBase, qt0, mid, kt0, kt1);
            refine(slot, rowBase, mid, qt1, kt0, kt1);
        } else {
            int mid = (kt0 + kt1) >>> 1;
            refine(slot, rowBase, qt0, qt1, kt0, mid);
            refine(slot, rowBase, qt0, qt1, mid, kt1);
        }
    }
}
