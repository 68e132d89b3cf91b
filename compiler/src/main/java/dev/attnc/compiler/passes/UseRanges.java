package dev.attnc.compiler.passes;

import dev.attnc.compiler.ir.Attention;
import dev.attnc.compiler.ir.BinaryOp;
import dev.attnc.compiler.ir.Expr;
import dev.attnc.compiler.ir.Expr.*;
import dev.attnc.compiler.ir.Poly;
import java.util.List;
import java.util.Map;

/**
 * Spends what {@link RangeAnalysis} proves: a tensor read whose indices are provably inside their
 * dimensions loses its clamp; floor division and modulo of a non-negative value by a positive one
 * become C's truncating forms (no sign fix-up); {@code x % d} with x already in [0, d-1] is x;
 * min/max whose order is proven pick their side; int comparisons decided by the ranges fold.
 */
public final class UseRanges {
    private UseRanges() {}

    public static Attention run(Attention a) {
        Map<Expr, Interval> ranges = RangeAnalysis.analyze(a);
        return a.map(e -> rewrite(e, ranges));
    }

    private static Expr rewrite(Expr root, Map<Expr, Interval> facts) {
        return Rewrite.bottomUp(root, e -> simplify(e, facts));
    }

    private static Interval range(Expr e, Map<Expr, Interval> facts) {
        Interval known = facts.get(e);
        return known != null ? known : RangeAnalysis.analyze(e).getOrDefault(e, Interval.UNKNOWN);
    }

    private static Expr simplify(Expr e, Map<Expr, Interval> facts) {
        return switch (e) {
            case Load l when l.clamped() && inBounds(l, facts) -> new Load(l.tensor(), l.indices(), false);
            case Binary b -> binary(b, facts);
            default -> e;
        };
    }

    /** Every index provably within its dimension (dimensions are polynomials over the sizes). */
    static boolean inBounds(Load l, Map<Expr, Interval> facts) {
        List<Expr> dims = l.tensor().dims();
        for (int i = 0; i < dims.size(); i++) {
            if (!range(l.indices().get(i), facts).within(RangeAnalysis.dimension(dims.get(i)))) return false;
        }
        return true;
    }

    private static Expr binary(Binary b, Map<Expr, Interval> facts) {
        if (b.left().type() != dev.attnc.compiler.ir.Type.INT) return b;
        Interval l = range(b.left(), facts);
        Interval r = range(b.right(), facts);
        return switch (b.op()) {
            case FLOOR_DIV -> l.atLeast(0) && r.atLeast(1) ? new Binary(BinaryOp.TRUNC_DIV, b.left(), b.right()) : b;
            case FLOOR_MOD, TRUNC_MOD -> {
                if (r.atLeast(1) && l.atLeast(0) && r.hi() != null && Interval.le(l.hi(), r.lo().minus(Poly.constant(1)))) yield b.left();
                yield b.op() == BinaryOp.FLOOR_MOD && l.atLeast(0) && r.atLeast(1) ? new Binary(BinaryOp.TRUNC_MOD, b.left(), b.right()) : b;
            }
            case MIN -> Interval.le(l.hi(), r.lo()) ? b.left() : Interval.le(r.hi(), l.lo()) ? b.right() : b;
            case MAX -> Interval.le(l.hi(), r.lo()) ? b.right() : Interval.le(r.hi(), l.lo()) ? b.left() : b;
            case LT, LE, GT, GE, EQ, NE -> decide(b.op(), l, r, b);
            default -> b;
        };
    }

    /** A comparison that the ranges settle, as a constant. */
    private static Expr decide(BinaryOp op, Interval l, Interval r, Expr otherwise) {
        boolean lt = Interval.le(l.hi(), r.lo() == null ? null : r.lo().minus(Poly.constant(1))); // l < r always
        boolean ge = Interval.le(r.hi(), l.lo());                                                  // l >= r always
        boolean gt = Interval.le(r.hi(), l.lo() == null ? null : l.lo().minus(Poly.constant(1))); // l > r always
        boolean le = Interval.le(l.hi(), r.lo());                                                  // l <= r always
        Boolean v = switch (op) {
            case LT -> lt ? Boolean.TRUE : ge ? Boolean.FALSE : null;
            case GE -> ge ? Boolean.TRUE : lt ? Boolean.FALSE : null;
            case GT -> gt ? Boolean.TRUE : le ? Boolean.FALSE : null;
            case LE -> le ? Boolean.TRUE : gt ? Boolean.FALSE : null;
            case EQ -> lt || gt ? Boolean.FALSE : null;
            case NE -> lt || gt ? Boolean.TRUE : null;
            default -> null;
        };
        return v == null ? otherwise : new BoolConst(v);
    }
}
