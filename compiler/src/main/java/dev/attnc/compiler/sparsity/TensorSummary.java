package dev.attnc.compiler.sparsity;

import dev.attnc.compiler.interp.TensorData;

/**
 * The minimum and maximum of a tensor over any range of its elements, in O(1): per-block
 * summaries of {@value #BLOCK} elements with a sparse table over the blocks (both built in
 * O(n)-ish time and memory: n/BLOCK · log(n/BLOCK) entries), and a scan of at most two partial
 * blocks at the ends. A read {@code t[i]} with i over an interval is then bounded by the tensor's
 * values there: exact enough to separate sorted document ids tile by tile.
 * <p>
 * Multi-dimensional reads are boxes: each combination of the leading indices (up to
 * {@value #MAX_ROWS} of them) is one contiguous range of the last; larger boxes use the whole
 * tensor's range. NaN values are left out of the bounds and make every read possibly NaN.
 */
final class TensorSummary {
    static final int BLOCK = 64;
    static final int MAX_ROWS = 4096;

    private final long[] shape;
    private final double[] values;
    private final boolean hasNaN;
    /** min[k][i], max[k][i]: over blocks i .. i + 2^k - 1. */
    private final double[][] min, max;

    TensorSummary(TensorData data) {
        shape = data.shape();
        long n = 1;
        for (long d : shape) n *= d;
        if (n > Integer.MAX_VALUE - 8) throw new IllegalArgumentException("tensor too large to summarize: " + n + " elements");
        values = new double[(int) n];
        boolean sawNaN = false;
        for (int i = 0; i < values.length; i++) {
            values[i] = data.get(i);
            sawNaN |= Double.isNaN(values[i]);
        }
        hasNaN = sawNaN;
        int blocks = (values.length + BLOCK - 1) / BLOCK;
        int levels = 32 - Integer.numberOfLeadingZeros(Math.max(blocks, 1));
        min = new double[levels][];
        max = new double[levels][];
        min[0] = new double[blocks];
        max[0] = new double[blocks];
        for (int b = 0; b < blocks; b++) {
            FloatRange r = scan(b * BLOCK, Math.min(values.length, (b + 1) * BLOCK) - 1);
            min[0][b] = r.lo();
            max[0][b] = r.hi();
        }
        for (int k = 1; k < levels; k++) {
            int half = 1 << (k - 1);
            int count = blocks - (1 << k) + 1;
            min[k] = new double[count];
            max[k] = new double[count];
            for (int i = 0; i < count; i++) {
                min[k][i] = Math.min(min[k - 1][i], min[k - 1][i + half]);
                max[k][i] = Math.max(max[k - 1][i], max[k - 1][i + half]);
            }
        }
    }

    /** The range of t[indices] with each index anywhere in its interval (clamped into the shape, as reads are). */
    FloatRange read(IntRange[] indices) {
        int rank = shape.length;
        long[] from = new long[rank];
        long[] to = new long[rank];
        long rows = 1;
        for (int d = 0; d < rank; d++) {
            from[d] = Math.clamp(indices[d].lo(), 0, shape[d] - 1);
            to[d] = Math.clamp(indices[d].hi(), 0, shape[d] - 1);
            if (d < rank - 1) rows = Math.min((long) MAX_ROWS + 1, rows * (to[d] - from[d] + 1));
        }
        if (rows > MAX_ROWS) return range(0, values.length - 1);
        FloatRange r = null;
        long[] at = from.clone();
        for (long row = 0; row < rows; row++) {
            long base = 0;
            for (int d = 0; d < rank - 1; d++) base = base * shape[d] + at[d];
            base *= shape[rank - 1];
            FloatRange part = range((int) (base + from[rank - 1]), (int) (base + to[rank - 1]));
            r = r == null ? part : r.hull(part);
            for (int d = rank - 2; d >= 0 && ++at[d] > to[d]; d--) at[d] = from[d];
        }
        return r;
    }

    /** The range of the flat elements first .. last (inclusive). */
    private FloatRange range(int first, int last) {
        int bFirst = first / BLOCK, bLast = last / BLOCK;
        if (bFirst == bLast) return scan(first, last);
        FloatRange r = scan(first, (bFirst + 1) * BLOCK - 1).hull(scan(bLast * BLOCK, last));
        if (bLast - bFirst > 1) {
            int from = bFirst + 1, to = bLast - 1;
            int k = 31 - Integer.numberOfLeadingZeros(to - from + 1);
            int other = to - (1 << k) + 1;
            r = r.hull(new FloatRange(Math.min(min[k][from], min[k][other]), Math.max(max[k][from], max[k][other]), hasNaN));
        }
        return r;
    }

    private FloatRange scan(int first, int last) {
        double lo = Double.POSITIVE_INFINITY, hi = Double.NEGATIVE_INFINITY;
        for (int i = first; i <= last; i++) {
            double v = values[i];
            if (v < lo) lo = v;
            if (v > hi) hi = v;
        }
        return new FloatRange(lo, hi, hasNaN);
    }
}
