package dev.attnc.compiler.codegen;

import dev.attnc.compiler.ir.Axis;
import dev.attnc.compiler.ir.BinaryOp;
import dev.attnc.compiler.ir.Expr;
import dev.attnc.compiler.ir.Expr.Binary;
import dev.attnc.compiler.ir.Expr.Index;
import dev.attnc.compiler.ir.Expr.IntConst;
import dev.attnc.compiler.ir.Expr.Load;
import dev.attnc.compiler.ir.Expr.Unary;
import dev.attnc.compiler.ir.UnaryOp;
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
 * and kv with opposite coefficients (kv − q, 2 (q − kv), ...); anything computed from such terms
 * and from values fixed per (b, h) is a function of kv − q too.
 */
public final class DiagonalIndex {
    private DiagonalIndex() {}

    /** Whether {@code load} reads one element per diagonal (and not one for every pair alike). */
    public static boolean of(Load load) {
        Map<Expr, Dependence> facts = IndexDependence.analyze(load.indices());
        boolean moves = false;
        for (Expr i : load.indices()) {
            if (!diagonal(i, facts)) return false;
            moves |= !fixed(i, facts);
        }
        return moves;
    }

    /** A function of kv − q and of values fixed per (b, h). */
    private static boolean diagonal(Expr e, Map<Expr, Dependence> facts) {
        long[] a = affine(e, facts);
        if (a != null) return a[0] == -a[1];
        if (e.children().isEmpty()) return false; // the score: it varies per pair, not per diagonal
        for (Expr c : e.children()) if (!diagonal(c, facts)) return false;
        return true;
    }

    /** Fixed per (b, h): neither q nor kv (nor the score) reaches it. */
    private static boolean fixed(Expr e, Map<Expr, Dependence> facts) {
        return IndexDependence.of(e, facts).ordinal() <= Dependence.HEAD.ordinal();
    }

    /** {q's, kv's} coefficients where {@code e} is exactly affine in q and kv (the rest fixed), else null. */
    private static long[] affine(Expr e, Map<Expr, Dependence> facts) {
        if (fixed(e, facts)) return new long[] {0, 0};
        if (e.type() != dev.attnc.compiler.ir.Type.INT) return null;
        return switch (e) {
            case Index i -> i.axis() == Axis.Q ? new long[] {1, 0} : new long[] {0, 1};
            case Unary u when u.op() == UnaryOp.NEG -> scaled(affine(u.operand(), facts), -1);
            case Binary b when b.op() == BinaryOp.ADD -> sum(affine(b.left(), facts), affine(b.right(), facts), 1);
            case Binary b when b.op() == BinaryOp.SUB -> sum(affine(b.left(), facts), affine(b.right(), facts), -1);
            case Binary b when b.op() == BinaryOp.MUL && b.left() instanceof IntConst c -> scaled(affine(b.right(), facts), c.value());
            case Binary b when b.op() == BinaryOp.MUL && b.right() instanceof IntConst c -> scaled(affine(b.left(), facts), c.value());
            default -> null;
        };
    }

    private static long[] scaled(long[] a, long by) {
        return a == null ? null : new long[] {a[0] * by, a[1] * by};
    }

    private static long[] sum(long[] a, long[] b, long sign) {
        return a == null || b == null ? null : new long[] {a[0] + sign * b[0], a[1] + sign * b[1]};
    }
}
