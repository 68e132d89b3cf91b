package dev.attnc.compiler.sparsity;

import dev.attnc.compiler.ir.BinaryOp;

/**
 * The values an int expression takes over a tile: every value lies in [lo, hi]. Ints are Java's
 * (32-bit, wrapping), so each operation computes its exact bounds in long first; when they leave
 * the int range the wrapped values could be anything and the result is {@link #TOP}. Floor and
 * truncating division and modulo follow {@code Semantics} (a zero divisor gives 0).
 */
record IntRange(long lo, long hi) {
    static final IntRange TOP = new IntRange(Integer.MIN_VALUE, Integer.MAX_VALUE);

    static IntRange of(long lo, long hi) {
        return lo < Integer.MIN_VALUE || hi > Integer.MAX_VALUE ? TOP : new IntRange(lo, hi);
    }

    static IntRange point(long v) {
        return of(v, v);
    }

    boolean isPoint() {
        return lo == hi;
    }

    IntRange hull(IntRange o) {
        return o == null ? this : new IntRange(Math.min(lo, o.lo), Math.max(hi, o.hi));
    }

    IntRange neg() {
        return of(-hi, -lo);
    }

    IntRange abs() {
        if (lo >= 0) return this;
        if (hi <= 0) return neg();
        return of(0, Math.max(-lo, hi));
    }

    IntRange add(IntRange o) {
        return of(lo + o.lo, hi + o.hi);
    }

    IntRange sub(IntRange o) {
        return of(lo - o.hi, hi - o.lo);
    }

    IntRange mul(IntRange o) {
        long a = lo * o.lo, b = lo * o.hi, c = hi * o.lo, d = hi * o.hi;
        return of(Math.min(Math.min(a, b), Math.min(c, d)), Math.max(Math.max(a, b), Math.max(c, d)));
    }

    IntRange min(IntRange o) {
        return new IntRange(Math.min(lo, o.lo), Math.min(hi, o.hi));
    }

    IntRange max(IntRange o) {
        return new IntRange(Math.max(lo, o.lo), Math.max(hi, o.hi));
    }

    /**
     * x / d, floor or truncating. For a divisor of one sign, x / d is monotone in x and in d, so
     * the extremes are at the corners; a divisor range that holds 0 is cut into its negative part,
     * 0 (which gives 0) and its positive part.
     */
    IntRange div(IntRange d, boolean floor) {
        IntRange r = d.lo <= 0 && d.hi >= 0 ? point(0) : null;
        if (d.lo <= -1) r = corners(d.lo, Math.min(d.hi, -1), floor).hull(r);
        if (d.hi >= 1) r = corners(Math.max(d.lo, 1), d.hi, floor).hull(r);
        return r;
    }

    private IntRange corners(long d0, long d1, boolean floor) {
        long a = quotient(lo, d0, floor), b = quotient(lo, d1, floor), c = quotient(hi, d0, floor), e = quotient(hi, d1, floor);
        return of(Math.min(Math.min(a, b), Math.min(c, e)), Math.max(Math.max(a, b), Math.max(c, e)));
    }

    private static long quotient(long x, long d, boolean floor) {
        return floor ? Math.floorDiv(x, d) : x / d;
    }

    /** Python's x % d: the sign of d; for d < 0 it is -((-x) % (-d)). */
    IntRange floorMod(IntRange d) {
        IntRange r = d.lo <= 0 && d.hi >= 0 ? point(0) : null;
        if (d.hi >= 1) r = positiveMod(lo, hi, Math.max(d.lo, 1), d.hi).hull(r);
        if (d.lo <= -1) r = positiveMod(-hi, -lo, -Math.min(d.hi, -1), -d.lo).neg().hull(r);
        return r;
    }

    /** C's x % d: the sign of x, the magnitude of |x| mod |d|. */
    IntRange truncMod(IntRange d) {
        IntRange r = d.lo <= 0 && d.hi >= 0 ? point(0) : null;
        if (d.lo != 0 || d.hi != 0) {
            // the range of |d| over the non-zero divisors
            long mLo = d.lo > 0 ? d.lo : d.hi < 0 ? -d.hi : 1;
            long mHi = Math.max(Math.abs(d.lo), Math.abs(d.hi));
            if (hi >= 0) r = positiveMod(Math.max(lo, 0), hi, mLo, mHi).hull(r);
            if (lo < 0) r = positiveMod(-Math.min(hi, -1), -lo, mLo, mHi).neg().hull(r);
        }
        return r;
    }

    /** Python's x % m for x in [xLo, xHi] and m in [mLo, mHi], m ≥ 1: exact within one period, else [0, m - 1]. */
    private static IntRange positiveMod(long xLo, long xHi, long mLo, long mHi) {
        if (mLo == mHi && Math.floorDiv(xLo, mLo) == Math.floorDiv(xHi, mLo)) {
            return of(Math.floorMod(xLo, mLo), Math.floorMod(xHi, mLo));
        }
        if (xLo >= 0 && xHi < mLo) return of(xLo, xHi);
        return of(0, xLo >= 0 ? Math.min(xHi, mHi - 1) : mHi - 1);
    }

    /** A comparison over every pair of values: TRUE or FALSE only when it holds for all or none. */
    Tri compare(BinaryOp op, IntRange o) {
        return switch (op) {
            case LT -> hi < o.lo ? Tri.TRUE : lo >= o.hi ? Tri.FALSE : Tri.UNKNOWN;
            case LE -> hi <= o.lo ? Tri.TRUE : lo > o.hi ? Tri.FALSE : Tri.UNKNOWN;
            case GT -> o.compare(BinaryOp.LT, this);
            case GE -> o.compare(BinaryOp.LE, this);
            case EQ -> isPoint() && o.isPoint() && lo == o.lo ? Tri.TRUE : hi < o.lo || o.hi < lo ? Tri.FALSE : Tri.UNKNOWN;
            case NE -> compare(BinaryOp.EQ, o).not();
            default -> throw new IllegalArgumentException(op + " is not a comparison");
        };
    }
}
