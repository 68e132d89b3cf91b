package dev.attnc.compiler.passes;

import dev.attnc.compiler.ir.Attention;
import dev.attnc.compiler.ir.Expr;
import dev.attnc.compiler.ir.Expr.*;
import dev.attnc.compiler.ir.Poly;
import dev.attnc.kernel.SizeName;
import dev.attnc.compiler.ir.Type;
import dev.attnc.compiler.ir.UnaryOp;
import java.util.HashMap;
import java.util.Map;

/**
 * IR → facts: a symbolic {@link Interval} for every int node, from b ∈ [0, B-1], h ∈ [0, H-1],
 * q ∈ [0, Q_LEN-1], kv ∈ [0, KV_LEN-1] and sizes ≥ 1. Scalar parameters and tensor values are
 * unknown at compile time. What it proves is used by {@link UseRanges} (indices in bounds, floor
 * division on non-negative operands) and by the bounds check that reports indices always outside
 * their dimension. Everything here must stay sound; imprecision only costs speed.
 * <p>
 * Ints wrap at 32 bits ({@code ir.Semantics}): a sum, difference, product, negation or abs gets a
 * range only when its bounds are ints at every size up to {@link SizeBounds#MAX_SIZE}, so that no
 * value in it can have wrapped; otherwise it is unknown ({@code q * 1073741824} may be negative).
 * Inside a chain of {@code + - *} and negation the exact bounds are carried on even where they do
 * not fit: wrapping is arithmetic modulo 2^32, so {@code 2 * KV_LEN - 1} is exact whenever its
 * value fits, though {@code 2 * KV_LEN} alone may wrap.
 */
public final class RangeAnalysis {
    private final Map<Expr, Interval> facts = new HashMap<>();
    /** The bounds of each + - * and negation in exact integers, before asking whether they fit. */
    private final Map<Expr, Interval> exact = new HashMap<>();
    /** False only for {@link #dimension}: the exact polynomial, whatever its size. */
    private final boolean wrapping;

    private RangeAnalysis(boolean wrapping) {
        this.wrapping = wrapping;
    }

    public static Map<Expr, Interval> analyze(Attention a) {
        RangeAnalysis r = new RangeAnalysis(true);
        a.roots().forEach(r::visit);
        return r.facts;
    }

    /** The range of one expression (and of all its int subexpressions, into the returned map). */
    public static Map<Expr, Interval> analyze(Expr e) {
        RangeAnalysis r = new RangeAnalysis(true);
        r.visit(e);
        return r.facts;
    }

    /**
     * The bounds of a + - * or negation in exact integers, whether or not they fit in an int (its
     * range for any other node): what a printer with its own, smaller size limit checks (CPrinter).
     */
    public static Interval exactBounds(Expr e) {
        RangeAnalysis r = new RangeAnalysis(true);
        r.visit(e);
        Interval i = r.exact.get(e);
        return i != null ? i : r.facts.getOrDefault(e, Interval.UNKNOWN);
    }

    /**
     * A tensor dimension (an int expression over sizes and constants) as its polynomial over the
     * sizes, computed exactly: the shape the runtime computes in long and compares with the
     * tensor's. Not a range fact: {@code Q_LEN * KV_LEN} is this polynomial even where an int
     * computing it would wrap.
     */
    public static Poly dimension(Expr d) {
        RangeAnalysis r = new RangeAnalysis(false);
        r.visit(d);
        Interval i = r.facts.get(d);
        if (i == null || i.lo() == null || !i.lo().equals(i.hi())) throw new IllegalStateException("dimension is not a size polynomial: " + d);
        return i.lo();
    }

    private void visit(Expr e) {
        if (facts.containsKey(e)) return;
        for (Expr c : e.children()) visit(c);
        if (e.type() == Type.INT) facts.put(e, range(e));
    }

    private Interval of(Expr e) {
        visit(e);
        return facts.getOrDefault(e, Interval.UNKNOWN);
    }

    private Interval range(Expr e) {
        return switch (e) {
            case IntConst c -> Interval.constant(c.value());
            case Size s -> Interval.exactly(Poly.size(s.size()));
            case Index i -> new Interval(Poly.constant(0), Poly.size(switch (i.axis()) {
                case B -> SizeName.B;
                case H -> SizeName.H;
                case Q -> SizeName.Q_LEN;
                case KV -> SizeName.KV_LEN;
            }).minus(Poly.constant(1)));
            case Unary u when u.op() == UnaryOp.NEG -> unwrapped(e, negate(ring(u.operand())));
            case Unary u -> unwrapped(e, unary(u));
            case Binary b -> switch (b.op()) {
                case ADD, SUB, MUL -> unwrapped(e, binary(b, ring(b.left()), ring(b.right())));
                default -> binary(b, of(b.left()), of(b.right()));
            };
            case Select s -> union(of(s.then()), of(s.otherwise()));
            default -> Interval.UNKNOWN; // parameters, tensor reads, float→int conversions
        };
    }

    /** An operand of + - * or negation: its exact bounds when it is one of those too, else its range. */
    private Interval ring(Expr operand) {
        visit(operand);
        Interval e = exact.get(operand);
        return e != null ? e : of(operand);
    }

    /** An arithmetic result, or UNKNOWN where some value may have left the int range and wrapped. */
    private Interval unwrapped(Expr e, Interval bounds) {
        if (e instanceof Binary || e instanceof Unary u && u.op() == UnaryOp.NEG) exact.put(e, bounds);
        return !wrapping || SizeBounds.fitsInt(bounds) ? bounds : Interval.UNKNOWN;
    }

    private Interval unary(Unary u) {
        Interval x = of(u.operand());
        return switch (u.op()) {
            case ABS -> {
                if (x.atLeast(0)) yield x;
                if (x.atMost(0)) yield negate(x);
                Interval n = negate(x);
                yield new Interval(Poly.constant(0), upper(x.hi(), n.hi()));
            }
            default -> Interval.UNKNOWN;
        };
    }

    private static Interval negate(Interval x) {
        return new Interval(x.hi() == null ? null : x.hi().scale(-1), x.lo() == null ? null : x.lo().scale(-1));
    }

    private Interval binary(Binary b, Interval l, Interval r) {
        return switch (b.op()) {
            case ADD -> new Interval(add(l.lo(), r.lo()), add(l.hi(), r.hi()));
            case SUB -> new Interval(sub(l.lo(), r.hi()), sub(l.hi(), r.lo()));
            case MUL -> multiply(l, r);
            case FLOOR_DIV, TRUNC_DIV -> divide(l, r);
            case FLOOR_MOD, TRUNC_MOD -> modulo(b, l, r);
            case MIN -> new Interval(lower(l.lo(), r.lo()), pickUpper(l.hi(), r.hi(), true));
            case MAX -> new Interval(pickLower(l.lo(), r.lo(), true), upper(l.hi(), r.hi()));
            default -> Interval.UNKNOWN;
        };
    }

    private static Poly add(Poly a, Poly b) {
        return a == null || b == null ? null : a.plus(b);
    }

    private static Poly sub(Poly a, Poly b) {
        return a == null || b == null ? null : a.minus(b);
    }

    /** A lower bound of both: the smaller when they compare, their sum when both are ≤ 0, else unbounded. */
    private static Poly lower(Poly a, Poly b) {
        if (Interval.le(a, b)) return a;
        if (Interval.le(b, a)) return b;
        Poly zero = Poly.constant(0);
        return Interval.le(a, zero) && Interval.le(b, zero) ? a.plus(b) : null;
    }

    /** An upper bound of both: the larger when they compare, their sum when both are ≥ 0, else unbounded. */
    private static Poly upper(Poly a, Poly b) {
        if (Interval.le(a, b)) return b;
        if (Interval.le(b, a)) return a;
        Poly zero = Poly.constant(0);
        return Interval.le(zero, a) && Interval.le(zero, b) ? a.plus(b) : null;
    }

    /** min(x, y) ≤ both upper bounds: any of them is sound, the smaller is tighter. */
    private static Poly pickUpper(Poly a, Poly b, boolean either) {
        if (a == null) return b;
        if (b == null) return a;
        if (Interval.le(a, b)) return a;
        if (Interval.le(b, a)) return b;
        return either ? (a.isConstant() ? a : b) : null;
    }

    /** max(x, y) ≥ both lower bounds: any of them is sound, the larger is tighter. */
    private static Poly pickLower(Poly a, Poly b, boolean either) {
        if (a == null) return b;
        if (b == null) return a;
        if (Interval.le(a, b)) return b;
        if (Interval.le(b, a)) return a;
        return either ? (a.isConstant() ? a : b) : null;
    }

    private static Interval union(Interval a, Interval b) {
        return new Interval(lower(a.lo(), b.lo()), upper(a.hi(), b.hi()));
    }

    private static Interval multiply(Interval l, Interval r) {
        if (isExact(r) && !isExact(l)) return multiply(r, l);
        // an exact non-negative factor (a constant, a size) times a range keeps the order
        if (isExact(l) && l.lo().provablyNonNegative()) {
            return new Interval(l.lo().times0(r.lo()), l.lo().times0(r.hi()));
        }
        if (isExact(l) && l.lo().isConstant() && l.lo().constantTerm() < 0) {
            long c = l.lo().constantTerm();
            return new Interval(r.hi() == null ? null : r.hi().scale(c), r.lo() == null ? null : r.lo().scale(c));
        }
        return Interval.UNKNOWN;
    }

    private static boolean isExact(Interval i) {
        return i.lo() != null && i.lo().equals(i.hi());
    }

    /**
     * x / c for a constant c ≥ 1. Constant bounds divide exactly; otherwise x / c lies between x
     * and 0 (floor or trunc alike), so a bound of known sign gives a bound of the quotient.
     */
    private static Interval divide(Interval x, Interval d) {
        if (!isExact(d) || !d.lo().isConstant() || d.lo().constantTerm() < 1) return Interval.UNKNOWN;
        long c = d.lo().constantTerm();
        Interval lo = new Interval(x.lo(), x.lo());
        Interval hi = new Interval(x.hi(), x.hi());
        Poly low = x.lo() == null ? null
                : x.lo().isConstant() ? Poly.constant(Math.floorDiv(x.lo().constantTerm(), c))
                : lo.atLeast(0) ? Poly.constant(0) : lo.atMost(0) ? x.lo() : null;
        Poly high = x.hi() == null ? null
                : x.hi().isConstant() ? Poly.constant(Math.floorDiv(x.hi().constantTerm(), c))
                : hi.atLeast(0) ? x.hi() : hi.atMost(0) ? Poly.constant(0) : null;
        return new Interval(low, high);
    }

    /** x % d with a divisor d ≥ 1: within [0, d - 1] (floor) or (-d, d) (trunc); x itself if already there. */
    private static Interval modulo(Binary b, Interval x, Interval d) {
        if (!d.atLeast(1) || d.hi() == null) return Interval.UNKNOWN;
        Poly top = d.hi().minus(Poly.constant(1));
        if (x.atLeast(0) && Interval.le(x.hi(), top)) return x;
        boolean floor = b.op() == dev.attnc.compiler.ir.BinaryOp.FLOOR_MOD;
        return new Interval(floor || x.atLeast(0) ? Poly.constant(0) : top.scale(-1), top);
    }
}
