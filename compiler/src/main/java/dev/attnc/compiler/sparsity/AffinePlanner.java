package dev.attnc.compiler.sparsity;

import dev.attnc.compiler.interp.Bindings;
import dev.attnc.compiler.interp.Evaluator;
import dev.attnc.kernel.BlockPlan;
import dev.attnc.kernel.Sizes;
import dev.attnc.compiler.ir.Expr;
import java.util.stream.IntStream;

/**
 * Tier 1, exact: for an affine mask every query row keeps a union of kv intervals, found from the
 * atoms' thresholds in O(atoms). A query tile's rows give the keys some row keeps (their union)
 * and the keys every row keeps (their intersection); a key tile is FULL iff it lies inside the
 * intersection, EMPTY iff it misses the union. O(Q_LEN · atoms) work and no tile is ever
 * enumerated, so the plan is exact whatever the sizes.
 */
final class AffinePlanner {
    private AffinePlanner() {}

    /** Throws ArithmeticException when some term may wrap around (see {@link AffineLowering}). */
    static BlockPlan plan(Expr affineMask, Slots slots, Sizes sizes, Bindings bindings, int blockM, int blockN) {
        int qLen = sizes.Q_LEN(), kvLen = sizes.KV_LEN();
        AffineFormula[] formulas = new AffineFormula[slots.count()];
        for (int s = 0; s < formulas.length; s++) {
            Evaluator atSlot = new Evaluator(sizes, bindings).at(slots.b(s), slots.h(s), 0, 0, 0);
            formulas[s] = AffineLowering.lower(affineMask, atSlot, qLen, kvLen);
        }
        int qTiles = BlockPlan.tiles(qLen, blockM);
        RowRuns[] rows = new RowRuns[formulas.length * qTiles];
        IntStream.range(0, rows.length).parallel().forEach(i -> {
            AffineFormula f = formulas[i / qTiles];
            int q0 = i % qTiles * blockM, q1 = Math.min(qLen, q0 + blockM);
            KvSet some = KvSet.none(), every = KvSet.all(kvLen);
            for (int q = q0; q < q1; q++) {
                KvSet kept = f.kept(q, kvLen);
                some = some.or(kept);
                every = every.and(kept);
            }
            rows[i] = RowRuns.of(some, every, blockN, kvLen);
        });
        return RowRuns.assemble(rows, slots, blockM, blockN, qLen, kvLen, "affine");
    }
}
