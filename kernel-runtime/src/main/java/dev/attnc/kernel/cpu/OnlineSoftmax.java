package dev.attnc.kernel.cpu;

import static dev.attnc.kernel.cpu.Gemm.F;
import static dev.attnc.kernel.cpu.Gemm.LANES;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * The softmax state of one query tile in FlashAttention, updated a key tile at a time: each row
 * keeps its running max m and sum l of exp(s - m); a new tile raises m, and l and the row's output
 * accumulator are scaled by alpha = exp(m_old - m_new) (the accumulator by {@link Gemm}, as it adds
 * P·V). A row whose kept scores are all -inf so far has m = -inf; it subtracts 0 instead, so that
 * -inf - -inf never makes NaN. Scores arrive in base 2 (s·log2 e, see {@link QueryTile}), so P is
 * 2^(s - m); l is kept lane-wise and summed at the end.
 */
public final class OnlineSoftmax {
    /** Per row (a whole number of vectors, so that alpha is computed a vector of rows at a time). */
    private final float[] max, shift, alpha;
    /** Per row, LANES partial sums. */
    private final float[] sum, tileSum;

    public OnlineSoftmax(int rows) {
        int padded = Gemm.padded(rows);
        max = new float[padded];
        shift = new float[padded];
        alpha = new float[padded];
        sum = new float[rows * LANES];
        tileSum = new float[rows * LANES];
        reset();
    }

    /** The rows this state has room for. */
    public int rows() {
        return sum.length / LANES;
    }

    /** Back to no key seen: m = -inf, l = 0. */
    public void reset() {
        Arrays.fill(max, Float.NEGATIVE_INFINITY);
        Arrays.fill(sum, 0f);
    }

    /** Each row's factor for the output accumulator after the last {@link #update}. */
    public float[] alpha() {
        return alpha;
    }

    /**
     * Folds a tile of base-2 scores {@code s} ([rows][ld], ld a multiple of LANES, masked pairs
     * already -inf) into the state; columns from {@code cols} on are past the last key and count as
     * masked. Leaves P = 2^(s - m) in {@code s}. Unless {@code infinite}, the caller promises that
     * every score of the first {@code cols} columns is finite, which saves the -inf guard.
     */
    public void update(float[] s, int ld, int rows, int cols, boolean infinite) {
        boolean guard = infinite || cols < ld;
        for (int i = 0, row = 0; i < rows; i++, row += ld) {
            if (cols < ld) Arrays.fill(s, row + cols, row + ld, Float.NEGATIVE_INFINITY);
            FloatVector m = FloatVector.fromArray(F, s, row);
            for (int j = LANES; j < ld; j += LANES) m = VectorMath.max(m, FloatVector.fromArray(F, s, row + j));
            float old = max[i];
            float tileMax = VectorMath.maxLane(m);
            float now = old > tileMax ? old : tileMax;
            float ref = now == Float.NEGATIVE_INFINITY ? 0f : now;
            max[i] = now;
            shift[i] = ref;
            alpha[i] = old;
            FloatVector shiftBy = FloatVector.broadcast(F, ref);
            FloatVector total = FloatVector.zero(F);
            // two loops rather than a test per vector: C2 does not unswitch this one
            if (guard) {
                for (int j = 0; j < ld; j += LANES) {
                    FloatVector p = VectorMath.exp2Guarded(FloatVector.fromArray(F, s, row + j).sub(shiftBy));
                    p.intoArray(s, row + j);
                    total = total.add(p);
                }
            } else {
                for (int j = 0; j < ld; j += LANES) {
                    FloatVector p = VectorMath.exp2(FloatVector.fromArray(F, s, row + j).sub(shiftBy));
                    p.intoArray(s, row + j);
                    total = total.add(p);
                }
            }
            total.intoArray(tileSum, i * LANES);
        }
        // alpha = 2^(m_old - ref), a vector of rows at a time; m_old = -inf gives exactly 0
        Arrays.fill(alpha, rows, alpha.length, 0f);
        Arrays.fill(shift, rows, shift.length, 0f);
        for (int i = 0; i < rows; i += LANES) {
            FloatVector exponent = FloatVector.fromArray(F, alpha, i).sub(FloatVector.fromArray(F, shift, i));
            VectorMath.exp2Guarded(exponent).intoArray(alpha, i);
        }
        for (int i = 0; i < rows; i++) {
            FloatVector l = FloatVector.fromArray(F, sum, i * LANES);
            l.fma(FloatVector.broadcast(F, alpha[i]), FloatVector.fromArray(F, tileSum, i * LANES)).intoArray(sum, i * LANES);
        }
    }

    /**
     * O = acc / l and LSE = m·ln 2 + ln(l) (natural log) for {@code rows} rows of {@code d} values;
     * a row that kept nothing gets O = 0 and LSE = -inf.
     */
    public void finish(float[] acc, int ldAcc, int rows, int d, float[] o, int oOff, float[] lse, int lseOff) {
        for (int i = 0; i < rows; i++) {
            int dst = oOff + i * d;
            float l = FloatVector.fromArray(F, sum, i * LANES).reduceLanes(VectorOperators.ADD);
            if (max[i] == Float.NEGATIVE_INFINITY || !(l > 0f)) {
                Arrays.fill(o, dst, dst + d, 0f);
                lse[lseOff + i] = Float.NEGATIVE_INFINITY;
                continue;
            }
            float inv = 1f / l;
            int src = i * ldAcc;
            int x = 0;
            for (; x <= d - LANES; x += LANES) FloatVector.fromArray(F, acc, src + x).mul(inv).intoArray(o, dst + x);
            for (; x < d; x++) o[dst + x] = acc[src + x] * inv;
            lse[lseOff + i] = max[i] * QueryTile.LN2 + (float) Math.log(l);
        }
    }
}
