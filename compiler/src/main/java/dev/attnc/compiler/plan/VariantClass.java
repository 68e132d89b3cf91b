package dev.attnc.compiler.plan;

import dev.attnc.compiler.ir.Attention;
import dev.attnc.compiler.ir.Expr;

/**
 * What decides the best tile shape of a variant, besides the device and the head dimension: is
 * there a score function (registers and arithmetic per element), is there a mask (PARTIAL tiles,
 * the mask code and block sparsity)? The autotuner remembers one winner per class.
 */
public enum VariantClass {
    /** Identity score, nothing masked: plain softmax attention. */
    DENSE,
    /** Identity score under a mask (causal, sliding window, document, ...). */
    MASKED,
    /** A score function, nothing masked (soft-cap, relative biases over all pairs). */
    SCORED,
    /** A score function and a mask (ALiBi under causal, ...). */
    SCORED_MASKED;

    public static VariantClass of(Attention a) {
        boolean scored = !(a.score() instanceof Expr.Score);
        boolean masked = !(a.mask() instanceof Expr.BoolConst c && c.value());
        return scored ? (masked ? SCORED_MASKED : SCORED) : (masked ? MASKED : DENSE);
    }

    /** The lower-case word used in reports and in the tuning table. */
    public String word() {
        return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }
}
