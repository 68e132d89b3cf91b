package dev.attnc.compiler.codegen;

import dev.attnc.compiler.ir.Expr;
import dev.attnc.compiler.ir.Expr.Load;
import dev.attnc.compiler.passes.Dependence;
import dev.attnc.compiler.passes.IndexDependence;
import java.util.Map;

/**
 * Whether the element a tensor load reads depends on the pair's position through kv − q alone (a
 * Toeplitz table of relative positions: {@code bias[h, kv - q + KV_LEN - 1]}, T5's buckets of
 * kv − q, clamped or not): pairs on one diagonal of a tile then read the same element, and a kernel
 * may sum their gradient terms before it adds them to the output.
 * <p>
 * An index qualifies when each of its position terms sits in a subexpression exactly affine in q
 * and kv ({@link AffineIndex}) with opposite coefficients (kv − q, 2 (q − kv), ...); anything
 * computed from such terms and from values fixed per (b, h) is a function of kv − q too.
 */
public final class DiagonalIndex {
    private DiagonalIndex() {}

    /** Whether {@code load} reads one element per diagonal (and not one for every pair alike). */
    public static boolean of(Load load) {
        Map<Expr, Dependence> facts = IndexDependence.analyze(load.indices());
        boolean moves = false;
        for (Expr i : load.indices()) {
            if (!diagonal(i, facts)) return false;
            moves |= !AffineIndex.fixed(i, facts);
        }
        return moves;
    }

    /** A function of kv − q and of values fixed per (b, h). */
    private static boolean diagonal(Expr e, Map<Expr, Dependence> facts) {
        long[] a = AffineIndex.coefficients(e, facts);
        if (a != null) return a[0] == -a[1];
        if (e.children().isEmpty()) return false; // the score: it varies per pair, not per diagonal
        for (Expr c : e.children()) if (!diagonal(c, facts)) return false;
        return true;
    }
}
