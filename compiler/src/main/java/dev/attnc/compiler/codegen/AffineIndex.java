package dev.attnc.compiler.codegen;

import dev.attnc.compiler.ir.Axis;
import dev.attnc.compiler.ir.BinaryOp;
import dev.attnc.compiler.ir.Expr;
import dev.attnc.compiler.ir.Expr.Binary;
import dev.attnc.compiler.ir.Expr.Index;
import dev.attnc.compiler.ir.Expr.IntConst;
import dev.attnc.compiler.ir.Expr.Unary;
import dev.attnc.compiler.ir.Type;
import dev.attnc.compiler.ir.UnaryOp;
import dev.attnc.compiler.passes.Dependence;
import dev.attnc.compiler.passes.IndexDependence;
import java.util.Map;

/**
 * Integer expressions exactly affine in the pair's position: {@code a q + b kv + c} with constant
 * coefficients a, b and a rest c fixed per (b, h), built from q, kv, values fixed per (b, h), +, −,
 * negation and products by constants (kv − q, 2 (q − kv) + KV_LEN, ...). Over a tile such an
 * expression is its value at one element plus a constant per element, which
 * {@link DiagonalIndex} (a = −b: one value per diagonal) and the CUDA backward's conversions to
 * float (one conversion per tile instead of one per pair) build on.
 */
public final class AffineIndex {
    private AffineIndex() {}

    /** {q's, kv's} coefficients where {@code e} is exactly affine in q and kv (the rest fixed per (b, h)), else null. */
    public static long[] coefficients(Expr e, Map<Expr, Dependence> facts) {
        if (fixed(e, facts)) return new long[] {0, 0};
        if (e.type() != Type.INT) return null;
        return switch (e) {
            case Index i -> i.axis() == Axis.Q ? new long[] {1, 0} : new long[] {0, 1};
            case Unary u when u.op() == UnaryOp.NEG -> scaled(coefficients(u.operand(), facts), -1);
            case Binary b when b.op() == BinaryOp.ADD -> sum(coefficients(b.left(), facts), coefficients(b.right(), facts), 1);
            case Binary b when b.op() == BinaryOp.SUB -> sum(coefficients(b.left(), facts), coefficients(b.right(), facts), -1);
            case Binary b when b.op() == BinaryOp.MUL && b.left() instanceof IntConst c -> scaled(coefficients(b.right(), facts), c.value());
            case Binary b when b.op() == BinaryOp.MUL && b.right() instanceof IntConst c -> scaled(coefficients(b.left(), facts), c.value());
            default -> null;
        };
    }

    /** Fixed per (b, h): neither q nor kv (nor the score) reaches it. */
    public static boolean fixed(Expr e, Map<Expr, Dependence> facts) {
        return IndexDependence.of(e, facts).ordinal() <= Dependence.HEAD.ordinal();
    }

    private static long[] scaled(long[] a, long by) {
        return a == null ? null : new long[] {a[0] * by, a[1] * by};
    }

    private static long[] sum(long[] a, long[] b, long sign) {
        return a == null || b == null ? null : new long[] {a[0] + sign * b[0], a[1] + sign * b[1]};
    }
}
