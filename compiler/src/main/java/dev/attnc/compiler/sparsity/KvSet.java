package dev.attnc.compiler.sparsity;

import java.util.Arrays;

/**
 * A set of key positions, as sorted, disjoint, non-touching half-open intervals
 * [bounds[0], bounds[1]), [bounds[2], bounds[3]), ... What one query row of an affine mask keeps
 * is such a set with a handful of intervals, so && || ! on it cost a handful of steps.
 */
record KvSet(int[] bounds) {
    private static final KvSet NONE = new KvSet(new int[0]);
    /** Truth tables over (in this, in other), indexed by 2·this + other. */
    private static final int AND = 0b1000, OR = 0b1110, AND_NOT = 0b0100;

    static KvSet none() {
        return NONE;
    }

    /** [from, to) clipped to [0, n). */
    static KvSet range(long from, long to, int n) {
        long a = Math.max(from, 0), b = Math.min(to, n);
        return a < b ? new KvSet(new int[] {(int) a, (int) b}) : NONE;
    }

    static KvSet all(int n) {
        return range(0, n, n);
    }

    boolean isEmpty() {
        return bounds.length == 0;
    }

    KvSet and(KvSet o) {
        return isEmpty() || o.isEmpty() ? NONE : combine(o, AND);
    }

    KvSet or(KvSet o) {
        return isEmpty() ? o : o.isEmpty() ? this : combine(o, OR);
    }

    /** The complement within [0, n). */
    KvSet not(int n) {
        return all(n).combine(this, AND_NOT);
    }

    /** One sweep over both sets' boundaries, keeping the points where the truth table says so. */
    private KvSet combine(KvSet o, int table) {
        int[] a = bounds, b = o.bounds;
        int[] out = new int[a.length + b.length];
        int i = 0, j = 0, k = 0;
        boolean inA = false, inB = false, in = false;
        while (i < a.length || j < b.length) {
            int x = Math.min(i < a.length ? a[i] : Integer.MAX_VALUE, j < b.length ? b[j] : Integer.MAX_VALUE);
            if (i < a.length && a[i] == x) {
                inA = !inA;
                i++;
            }
            if (j < b.length && b[j] == x) {
                inB = !inB;
                j++;
            }
            boolean now = (table >> ((inA ? 2 : 0) + (inB ? 1 : 0)) & 1) != 0;
            if (now != in) {
                out[k++] = x;
                in = now;
            }
        }
        return k == 0 ? NONE : new KvSet(Arrays.copyOf(out, k));
    }
}
