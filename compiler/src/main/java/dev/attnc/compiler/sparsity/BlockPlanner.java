package dev.attnc.compiler.sparsity;

import dev.attnc.compiler.interp.Bindings;
import dev.attnc.kernel.BlockPlan;
import dev.attnc.kernel.Sizes;
import dev.attnc.compiler.ir.Attention;
import dev.attnc.compiler.ir.Expr;
import java.util.Optional;

/**
 * The block plan of an attention for one call: which tiles are EMPTY, FULL or PARTIAL, found by
 * the cheapest tier of {@link MaskClass} that applies. Every tier is sound (a tile called EMPTY
 * keeps no pair, FULL drops none); AFFINE and FALLBACK are also exact. The plan has one slot per
 * batch element if the mask reads b and one per head if it reads h. {@link BlockPlan#method}
 * says which tier made it: affine, interval, tensor-summary or brute-force.
 */
public final class BlockPlanner {
    private BlockPlanner() {}

    public static BlockPlan plan(Attention a, Sizes sizes, Bindings bindings, int blockM, int blockN) {
        return plan(MaskAnalysis.of(a), sizes, bindings, blockM, blockN);
    }

    /**
     * What planning learns of a mask before any size: its DAG, its piecewise-affine form, whether
     * interval analysis takes it. {@link SequencePlanner} plans one call's many lengths from one.
     */
    public static final class MaskAnalysis {
        private final Attention attention;
        private final Dag mask;
        private final Optional<Expr> affine;
        private final boolean intervals;

        private MaskAnalysis(Attention attention) {
            this.attention = attention;
            this.mask = Dag.of(attention.mask());
            this.affine = PiecewiseAffine.rewrite(mask);
            this.intervals = IntervalProgram.supports(mask);
        }

        public static MaskAnalysis of(Attention a) {
            return new MaskAnalysis(a);
        }
    }

    public static BlockPlan plan(MaskAnalysis m, Sizes sizes, Bindings bindings, int blockM, int blockN) {
        checkBlocks(blockM, blockN);
        Bindings complete = bindings.complete(m.attention);
        Dag mask = m.mask;
        Slots slots = Slots.of(mask, sizes);
        if (m.affine.isPresent()) {
            try {
                return AffinePlanner.plan(m.affine.get(), slots, sizes, complete, blockM, blockN);
            } catch (ArithmeticException wraps) {
                // some term may wrap around the int range: interval analysis models that, exact arithmetic does not
            }
        }
        if (m.intervals) {
            String method = (mask.readsAll() & Dag.TENSOR) != 0 ? "tensor-summary" : "interval";
            return IntervalPlanner.plan(new IntervalProgram(mask, sizes, complete), slots, sizes.Q_LEN(), sizes.KV_LEN(), blockM, blockN, method);
        }
        // not cached here: a tensor's contents can change behind any key of ours; the runtime caches
        // plans by the contents of the tensors the mask reads (dev.attnc.Plans)
        return bruteForce(mask, slots, sizes, complete, blockM, blockN);
    }

    /** The exact plan by evaluating every pair (FlexAttention's method), never cached: the baseline of tests and benchmarks. */
    public static BlockPlan bruteForce(Attention a, Sizes sizes, Bindings bindings, int blockM, int blockN) {
        checkBlocks(blockM, blockN);
        Dag mask = Dag.of(a.mask());
        return bruteForce(mask, Slots.of(mask, sizes), sizes, bindings.complete(a), blockM, blockN);
    }

    private static BlockPlan bruteForce(Dag mask, Slots slots, Sizes sizes, Bindings complete, int blockM, int blockN) {
        return BruteForcePlanner.plan(new PointProgram(mask, sizes, complete), slots, sizes.Q_LEN(), sizes.KV_LEN(), blockM, blockN);
    }

    private static void checkBlocks(int blockM, int blockN) {
        if (blockM < 1 || blockN < 1) throw new IllegalArgumentException("bad block shape " + blockM + "x" + blockN);
    }
}
