package dev.attnc.compiler.passes;

import dev.attnc.compiler.ir.Attention;
import dev.attnc.compiler.ir.BinaryOp;
import dev.attnc.compiler.ir.Expr;
import dev.attnc.compiler.ir.Expr.*;
import dev.attnc.compiler.ir.Semantics;
import dev.attnc.compiler.ir.Type;
import dev.attnc.compiler.ir.UnaryOp;

/**
 * Constant folding and algebraic simplification, bottom-up: operations on constants become
 * constants (with the language's own meaning, {@link Semantics}), and identities such as x + 0,
 * x * 1, true && x, !!x, select(c, a, a) disappear. Inlining leaves many of these behind
 * (a defaulted parameter of 0, a mask of {@code true}), and every later stage is simpler without them.
 * Float identities that IEEE arithmetic does not keep (x * 0 = 0) are left alone.
 */
public final class Fold {
    private Fold() {}

    public static Attention run(Attention a) {
        return a.map(Fold::fold);
    }

    public static Expr fold(Expr e) {
        return Rewrite.bottomUp(e, Fold::simplify);
    }

    private static Expr simplify(Expr e) {
        return switch (e) {
            case Unary u -> unary(u);
            case Binary b -> binary(b);
            case Select s -> select(s);
            default -> e;
        };
    }

    private static Expr unary(Unary u) {
        Expr x = u.operand();
        if (x instanceof Unary inner && inner.op() == u.op() && (u.op() == UnaryOp.NEG || u.op() == UnaryOp.NOT)) return inner.operand();
        if (u.op() == UnaryOp.NOT && x instanceof Binary b && b.op().isComparison() && b.left().type() == Type.INT) {
            return new Binary(negated(b.op()), b.left(), b.right());
        }
        return switch (x) {
            case IntConst c -> switch (u.op()) {
                case NEG, ABS -> new IntConst(Semantics.unary(u.op(), c.value()));
                case TO_FLOAT -> new FloatConst(c.value());
                default -> u;
            };
            case FloatConst c -> switch (u.op()) {
                case TO_INT -> new IntConst(Semantics.toInt(c.value()));
                case FLOOR -> new IntConst(Semantics.floor(c.value()));
                case CEIL -> new IntConst(Semantics.ceil(c.value()));
                default -> finite(Semantics.unary(u.op(), c.value()), u);
            };
            case BoolConst c -> new BoolConst(!c.value());
            default -> u;
        };
    }

    /** A folded float, unless it is NaN or infinite: those stay as computations, kernels handle them. */
    private static Expr finite(double v, Expr otherwise) {
        return Double.isFinite(v) ? new FloatConst(v) : otherwise;
    }

    static BinaryOp negated(BinaryOp op) {
        return switch (op) {
            case LT -> BinaryOp.GE;
            case LE -> BinaryOp.GT;
            case GT -> BinaryOp.LE;
            case GE -> BinaryOp.LT;
            case EQ -> BinaryOp.NE;
            case NE -> BinaryOp.EQ;
            default -> throw new IllegalArgumentException(op.word);
        };
    }

    private static Expr binary(Binary b) {
        Expr l = b.left();
        Expr r = b.right();
        BinaryOp op = b.op();
        Expr constant = constants(op, l, r);
        if (constant != null) return constant;
        // constants to the right of commutative operations, so the rules below see them in one place;
        // not float min and max, whose order says where a gradient goes on a tie (the first operand)
        boolean keepOrder = (op == BinaryOp.MIN || op == BinaryOp.MAX) && l.type() == Type.FLOAT;
        if (op.isCommutative() && !keepOrder && isConst(l) && !isConst(r)) return binary(new Binary(op, r, l));
        boolean ints = l.type() == Type.INT;
        return switch (op) {
            case ADD -> is(r, 0) ? l : b;
            case SUB -> is(r, 0) ? l : ints && l.equals(r) ? new IntConst(0) : b;
            case MUL -> is(r, 1) ? l : ints && is(r, 0) ? r : b;
            case DIV, FLOOR_DIV, TRUNC_DIV -> is(r, 1) ? l : b;
            case FLOOR_MOD, TRUNC_MOD -> ints && is(r, 1) ? new IntConst(0) : b;
            case MIN, MAX -> l.equals(r) ? l : b;
            case AND -> r instanceof BoolConst c ? (c.value() ? l : r) : l.equals(r) ? l : b;
            case OR -> r instanceof BoolConst c ? (c.value() ? r : l) : l.equals(r) ? l : b;
            case EQ, LE, GE -> ints && l.equals(r) ? new BoolConst(true) : b;
            case NE, LT, GT -> ints && l.equals(r) ? new BoolConst(false) : b;
        };
    }

    private static Expr constants(BinaryOp op, Expr l, Expr r) {
        if (l instanceof IntConst x && r instanceof IntConst y) {
            return op.isComparison() ? new BoolConst(Semantics.compare(op, x.value(), y.value()))
                    : new IntConst(Semantics.binary(op, x.value(), y.value()));
        }
        if (l instanceof FloatConst x && r instanceof FloatConst y) {
            return op.isComparison() ? new BoolConst(Semantics.compare(op, x.value(), y.value()))
                    : finite(Semantics.binary(op, x.value(), y.value()), null);
        }
        if (l instanceof BoolConst x && r instanceof BoolConst y) return new BoolConst(Semantics.logic(op, x.value(), y.value()));
        return null;
    }

    private static Expr select(Select s) {
        if (s.condition() instanceof BoolConst c) return c.value() ? s.then() : s.otherwise();
        if (s.then().equals(s.otherwise())) return s.then();
        if (s.then() instanceof BoolConst t && s.otherwise() instanceof BoolConst f) {
            return t.value() ? s.condition() : new Unary(UnaryOp.NOT, s.condition());
        }
        return s;
    }

    private static boolean isConst(Expr e) {
        return e instanceof IntConst || e instanceof FloatConst || e instanceof BoolConst;
    }

    private static boolean is(Expr e, int v) {
        return e instanceof IntConst c && c.value() == v || e instanceof FloatConst f && f.value() == v;
    }
}
