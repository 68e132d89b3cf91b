package dev.attnc.compiler.sparsity;

import dev.attnc.compiler.ir.BinaryOp;

/**
 * The values a float expression takes over a tile: within [lo, hi], or NaN where {@code nan}.
 * The bounds are computed with the very double operations the interpreter uses: rounding to
 * nearest is monotone, so the rounded result at the corners bounds the rounded result inside.
 * Where NaN may appear (inf - inf, 0 · inf, a NaN operand) comparisons answer UNKNOWN.
 */
record FloatRange(double lo, double hi, boolean nan) {
    static final FloatRange ANY = new FloatRange(Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY, true);

    static FloatRange of(IntRange r) {
        return new FloatRange(r.lo(), r.hi(), false);
    }

    static FloatRange point(double v) {
        return Double.isNaN(v) ? ANY : new FloatRange(v, v, false);
    }

    FloatRange hull(FloatRange o) {
        return new FloatRange(Math.min(lo, o.lo), Math.max(hi, o.hi), nan || o.nan);
    }

    FloatRange neg() {
        return new FloatRange(-hi, -lo, nan);
    }

    FloatRange abs() {
        if (lo >= 0) return this;
        if (hi <= 0) return neg();
        return new FloatRange(0, Math.max(-lo, hi), nan);
    }

    FloatRange add(FloatRange o) {
        boolean infMinusInf = hi == Double.POSITIVE_INFINITY && o.lo == Double.NEGATIVE_INFINITY
                || lo == Double.NEGATIVE_INFINITY && o.hi == Double.POSITIVE_INFINITY;
        return nan || o.nan || infMinusInf ? ANY : new FloatRange(lo + o.lo, hi + o.hi, false);
    }

    FloatRange sub(FloatRange o) {
        return add(o.neg());
    }

    FloatRange mul(FloatRange o) {
        if (nan || o.nan || holdsZero() && o.infinite() || o.holdsZero() && infinite()) return ANY;
        double a = lo * o.lo, b = lo * o.hi, c = hi * o.lo, d = hi * o.hi;
        return new FloatRange(Math.min(Math.min(a, b), Math.min(c, d)), Math.max(Math.max(a, b), Math.max(c, d)), false);
    }

    FloatRange min(FloatRange o) {
        return new FloatRange(Math.min(lo, o.lo), Math.min(hi, o.hi), nan || o.nan);
    }

    FloatRange max(FloatRange o) {
        return new FloatRange(Math.max(lo, o.lo), Math.max(hi, o.hi), nan || o.nan);
    }

    private boolean holdsZero() {
        return lo <= 0 && hi >= 0;
    }

    private boolean infinite() {
        return Double.isInfinite(lo) || Double.isInfinite(hi);
    }

    Tri compare(BinaryOp op, FloatRange o) {
        if (nan || o.nan) return Tri.UNKNOWN;
        return switch (op) {
            case LT -> hi < o.lo ? Tri.TRUE : lo >= o.hi ? Tri.FALSE : Tri.UNKNOWN;
            case LE -> hi <= o.lo ? Tri.TRUE : lo > o.hi ? Tri.FALSE : Tri.UNKNOWN;
            case GT -> o.compare(BinaryOp.LT, this);
            case GE -> o.compare(BinaryOp.LE, this);
            case EQ -> lo == hi && o.lo == o.hi && lo == o.lo ? Tri.TRUE : hi < o.lo || o.hi < lo ? Tri.FALSE : Tri.UNKNOWN;
            case NE -> compare(BinaryOp.EQ, o).not();
            default -> throw new IllegalArgumentException(op + " is not a comparison");
        };
    }
}
