package dev.attnc.compiler.passes;

import dev.attnc.compiler.ir.Poly;

/**
 * The symbolic range of an int value: bounds that are polynomials over the sizes, or null for
 * unbounded. Sound: every value the node takes for any sizes in [1, {@link SizeBounds#MAX_SIZE}]
 * lies within [lo, hi], with 32-bit ints that wrap (the analysis gives no range where they may).
 */
public record Interval(Poly lo, Poly hi) {
    public static final Interval UNKNOWN = new Interval(null, null);

    public static Interval exactly(Poly p) {
        return new Interval(p, p);
    }

    public static Interval constant(long c) {
        return exactly(Poly.constant(c));
    }

    /** Provably lo ≥ v. */
    public boolean atLeast(long v) {
        return lo != null && lo.minus(Poly.constant(v)).provablyNonNegative();
    }

    /** Provably hi ≤ v. */
    public boolean atMost(long v) {
        return hi != null && Poly.constant(v).minus(hi).provablyNonNegative();
    }

    /** Provably every value is within [0, dim - 1]. */
    public boolean within(Poly dim) {
        return atLeast(0) && hi != null && dim.minus(hi).minus(Poly.constant(1)).provablyNonNegative();
    }

    /** Provably no value is within [0, dim - 1]. */
    public boolean outside(Poly dim) {
        return atMost(-1) || lo != null && lo.minus(dim).provablyNonNegative();
    }

    /** a ≤ b for all sizes (both bounded). */
    static boolean le(Poly a, Poly b) {
        return a != null && b != null && b.minus(a).provablyNonNegative();
    }

    @Override
    public String toString() {
        return "[" + (lo == null ? "-inf" : lo) + ", " + (hi == null ? "inf" : hi) + "]";
    }
}
