package dev.attnc.compiler.codegen.java.kernel;

import static dev.attnc.compiler.codegen.java.kernel.Gemm.F;
import static dev.attnc.compiler.codegen.java.kernel.Gemm.LANES;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * The softmax of FlashAttention, one key tile at a time: each query row keeps its running max m
 * and sum l of exp(s - m); a new tile raises m, rescales l and the output accumulator by
 * exp(m_old - m_new), and turns its scores into probabilities in place. A row whose kept scores
 * are all -inf so far has m = -inf; it subtracts 0 instead, so that -inf - -inf never makes NaN.
 */
public final class OnlineSoftmax {
    private OnlineSoftmax() {}

    /**
     * Folds a tile of scores {@code s} ([rows][ld], masked pairs already -inf) into the running
     * {@code max} and {@code sum}; columns from {@code cols} on are past the last key and count
     * as masked. Leaves P = exp(s - m) in {@code s} and rescales the rows of {@code acc} ([rows][ldAcc]).
     */
    public static void update(float[] s, int ld, int rows, int cols, float[] max, float[] sum, float[] acc, int ldAcc) {
        for (int i = 0, row = 0; i < rows; i++, row += ld) {
            if (cols < ld) Arrays.fill(s, row + cols, row + ld, Float.NEGATIVE_INFINITY);
            float old = max[i];
            float now = Math.max(old, rowMax(s, row, ld));
            float shift = now == Float.NEGATIVE_INFINITY ? 0f : now;
            float alpha = (float) Math.exp(old - shift);
            sum[i] = sum[i] * alpha + exponentiate(s, row, ld, shift);
            max[i] = now;
            if (alpha != 1f) scale(acc, i * ldAcc, ldAcc, alpha);
        }
    }

    /**
     * O = acc / l and LSE = m + log(l) (natural log) for {@code rows} rows of {@code d} values;
     * a row that kept nothing gets O = 0 and LSE = -inf.
     */
    public static void finish(float[] acc, int ldAcc, float[] max, float[] sum, int rows, int d,
            float[] o, int oOff, float[] lse, int lseOff) {
        for (int i = 0; i < rows; i++) {
            int dst = oOff + i * d;
            if (max[i] == Float.NEGATIVE_INFINITY || sum[i] == 0f) {
                Arrays.fill(o, dst, dst + d, 0f);
                lse[lseOff + i] = Float.NEGATIVE_INFINITY;
                continue;
            }
            float inv = 1f / sum[i];
            int src = i * ldAcc;
            int x = 0;
            for (; x <= d - LANES; x += LANES) FloatVector.fromArray(F, acc, src + x).mul(inv).intoArray(o, dst + x);
            for (; x < d; x++) o[dst + x] = acc[src + x] * inv;
            lse[lseOff + i] = max[i] + (float) Math.log(sum[i]);
        }
    }

    private static float rowMax(float[] s, int row, int ld) {
        FloatVector m = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
        for (int j = 0; j < ld; j += LANES) m = m.max(FloatVector.fromArray(F, s, row + j));
        return m.reduceLanes(VectorOperators.MAX);
    }

    /** s := exp(s - shift) over one row; returns the row's sum. */
    private static float exponentiate(float[] s, int row, int ld, float shift) {
        FloatVector total = FloatVector.zero(F);
        for (int j = 0; j < ld; j += LANES) {
            FloatVector p = FloatVector.fromArray(F, s, row + j).sub(shift).lanewise(VectorOperators.EXP);
            p.intoArray(s, row + j);
            total = total.add(p);
        }
        return total.reduceLanes(VectorOperators.ADD);
    }

    private static void scale(float[] acc, int row, int ld, float alpha) {
        for (int x = 0; x < ld; x += LANES) FloatVector.fromArray(F, acc, row + x).mul(alpha).intoArray(acc, row + x);
    }
}
