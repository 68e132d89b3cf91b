package dev.attnc.compiler.sparsity;

import dev.attnc.compiler.ir.Expr;

/**
 * How a mask's block plan can be found, from the cheapest and tightest tier to the last resort.
 * Nodes that read none of q, kv and tensors have one value per slot (b, h, sizes, parameters and
 * anything computed from them, e.g. {@code Q_LEN / W}); they count as parameters in every tier.
 */
public enum MaskClass {
    /**
     * Comparisons of affine forms in q and kv (constants, sizes, parameters, + -, · by a
     * per-slot value, unary minus), also under abs, min, max, clamp and integer selects, which
     * split into affine pieces; joined by && || ! == != and bool selects. Planned exactly.
     */
    AFFINE,
    /** Also floor/truncating division and modulo, and + - * min max abs over floats, without tensor reads: interval analysis. */
    INTERVAL,
    /** As INTERVAL, reading int, bool or float tensors: interval analysis over per-block summaries of the tensors. */
    TENSOR,
    /** Anything else (exp, log, float division, float → int, ... depending on q or kv): every pair is evaluated. */
    FALLBACK;

    public static MaskClass of(Expr mask) {
        return of(Dag.of(mask));
    }

    static MaskClass of(Dag mask) {
        if (PiecewiseAffine.rewrite(mask).isPresent()) return AFFINE;
        if (!IntervalProgram.supports(mask)) return FALLBACK;
        return (mask.readsAll() & Dag.TENSOR) != 0 ? TENSOR : INTERVAL;
    }
}
