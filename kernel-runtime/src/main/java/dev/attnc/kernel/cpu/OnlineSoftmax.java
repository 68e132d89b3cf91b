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
 * -inf - -inf never makes NaN. P is 2^((s - m)·log2 e): the difference is taken first, so scores
 * near the float range (3e38) never overflow, and a difference below the float range is -inf,
 * whose power is 0. l is kept lane-wise and summed at the end.
 * <p>
 * Non-finite scores mean what they mean to the reference (and PyTorch): a NaN makes its row's P,
 * l, O and LSE NaN; a +inf (without NaN) makes O NaN and LSE +inf.
 * <p>
 * The other normalisations (docs/language.md, "Normalisation") are set per row before the first
 * key tile: {@link #sink} starts the row from its sink logit (m = E, l = 1: one more key of value
 * 0), so it costs nothing per key; {@link #sigmoid} weighs each pair alone, P = sigmoid(s + E),
 * with no max, no rescaling (alpha = 1) and no division at the end.
 */
public final class OnlineSoftmax {
    /** Per row (a whole number of vectors, so that alpha is computed a vector of rows at a time). */
    private final float[] max, shift, alpha;
    /** Per row, LANES partial sums. */
    private final float[] sum, tileSum;
    /** Per row, the sigmoid's bias, when {@link #sigmoid} is on. */
    private final float[] bias;
    private boolean sigmoid;

    public OnlineSoftmax(int rows) {
        int padded = Gemm.padded(rows);
        max = new float[padded];
        shift = new float[padded];
        alpha = new float[padded];
        sum = new float[rows * LANES];
        tileSum = new float[rows * LANES];
        bias = new float[rows];
        reset();
    }

    /** The rows this state has room for. */
    public int rows() {
        return sum.length / LANES;
    }

    /** Back to no key seen: m = -inf, l = 0, softmax. */
    public void reset() {
        Arrays.fill(max, Float.NEGATIVE_INFINITY);
        Arrays.fill(sum, 0f);
        sigmoid = false;
    }

    /** Row {@code row} gets a sink of logit {@code logit}: a key of value 0 already seen (m = logit, l = 1). */
    public void sink(int row, float logit) {
        if (logit == Float.NEGATIVE_INFINITY) return; // exp(-inf) = 0: no sink at all
        max[row] = logit;
        sum[row * LANES] = 1f;
    }

    /** Row {@code row} is weighed by sigmoid(s + bias) instead of the softmax (every row of the tile is, once one is). */
    public void sigmoid(int row, float bias) {
        sigmoid = true;
        this.bias[row] = bias;
    }

    /** Whether the rows are weighed by a sigmoid (partials then add, with no rescaling). */
    public boolean isSigmoid() {
        return sigmoid;
    }

    /** Each row's factor for the output accumulator after the last {@link #update}. */
    public float[] alpha() {
        return alpha;
    }

    /**
     * Folds a tile of scores {@code s} ([rows][ld], ld a multiple of LANES, masked pairs already
     * -inf) into the state; columns from {@code cols} on are past the last key and count as
     * masked. Leaves P = 2^((s - m)·log2 e) in {@code s}. The power is always the guarded one: even
     * finite scores can give a difference of -inf (-3e38 beside 3e38).
     */
    public void update(float[] s, int ld, int rows, int cols) {
        if (sigmoid) {
            updateSigmoid(s, ld, rows, cols);
            return;
        }
        for (int i = 0, row = 0; i < rows; i++, row += ld) {
            if (cols < ld) Arrays.fill(s, row + cols, row + ld, Float.NEGATIVE_INFINITY);
            FloatVector m = FloatVector.fromArray(F, s, row);
            for (int j = LANES; j < ld; j += LANES) m = VectorMath.max(m, FloatVector.fromArray(F, s, row + j));
            float old = max[i];
            float tileMax = VectorMath.maxLane(m);
            // the fast max may drop a NaN; beside +inf the NaN decides the LSE, so look (rarely)
            if (tileMax == Float.POSITIVE_INFINITY && hasNaN(s, row, cols)) tileMax = Float.NaN;
            float now = old > tileMax || Float.isNaN(old) ? old : tileMax;
            float ref = now == Float.NEGATIVE_INFINITY ? 0f : now;
            max[i] = now;
            shift[i] = ref;
            alpha[i] = old;
            FloatVector shiftBy = FloatVector.broadcast(F, ref);
            FloatVector total = FloatVector.zero(F);
            for (int j = 0; j < ld; j += LANES) {
                FloatVector p = VectorMath.exp2Guarded(FloatVector.fromArray(F, s, row + j).sub(shiftBy).mul(QueryTile.LOG2E));
                p.intoArray(s, row + j);
                total = total.add(p);
            }
            total.intoArray(tileSum, i * LANES);
        }
        // alpha = 2^((m_old - ref)·log2 e), a vector of rows at a time; m_old = -inf gives exactly 0
        Arrays.fill(alpha, rows, alpha.length, 0f);
        Arrays.fill(shift, rows, shift.length, 0f);
        for (int i = 0; i < rows; i += LANES) {
            FloatVector exponent = FloatVector.fromArray(F, alpha, i).sub(FloatVector.fromArray(F, shift, i)).mul(QueryTile.LOG2E);
            VectorMath.exp2Guarded(exponent).intoArray(alpha, i);
        }
        for (int i = 0; i < rows; i++) {
            FloatVector l = FloatVector.fromArray(F, sum, i * LANES);
            l.fma(FloatVector.broadcast(F, alpha[i]), FloatVector.fromArray(F, tileSum, i * LANES)).intoArray(sum, i * LANES);
        }
    }

    /** P = sigmoid(s + bias) in place, l += Σ P, alpha = 1 (nothing to rescale). */
    private void updateSigmoid(float[] s, int ld, int rows, int cols) {
        Arrays.fill(alpha, 1f);
        for (int i = 0, row = 0; i < rows; i++, row += ld) {
            if (cols < ld) Arrays.fill(s, row + cols, row + ld, Float.NEGATIVE_INFINITY);
            FloatVector b = FloatVector.broadcast(F, bias[i]);
            FloatVector l = FloatVector.fromArray(F, sum, i * LANES);
            for (int j = 0; j < ld; j += LANES) {
                FloatVector p = VectorMath.sigmoid(FloatVector.fromArray(F, s, row + j).add(b));
                p.intoArray(s, row + j);
                l = l.add(p);
            }
            l.intoArray(sum, i * LANES);
        }
    }

    /**
     * O = acc / l and LSE = m + ln(l) (natural log) for {@code rows} rows of {@code d} values; a
     * row that kept nothing (l = 0: every kept score -inf) gets O = 0 and LSE = -inf, a row with a
     * NaN score NaN, and one with a +inf score O = NaN and LSE = +inf. With {@link #sigmoid}: O = acc
     * and LSE = ln(l). Row i of O starts at {@code o[oOff + i·oRowStride]}.
     */
    public void finish(float[] acc, int ldAcc, int rows, int d, float[] o, int oOff, int oRowStride, float[] lse, int lseOff) {
        for (int i = 0; i < rows; i++) {
            int dst = oOff + i * oRowStride;
            float l = FloatVector.fromArray(F, sum, i * LANES).reduceLanes(VectorOperators.ADD);
            if (l == 0f) {
                Arrays.fill(o, dst, dst + d, 0f);
                lse[lseOff + i] = Float.NEGATIVE_INFINITY;
                continue;
            }
            if (sigmoid) {
                // no division: O = Σ P·V as accumulated; the second output is ln Σ P
                System.arraycopy(acc, i * ldAcc, o, dst, d);
                lse[lseOff + i] = (float) Math.log(l);
                continue;
            }
            float inv = 1f / l;
            int src = i * ldAcc;
            int x = 0;
            for (; x <= d - LANES; x += LANES) FloatVector.fromArray(F, acc, src + x).mul(inv).intoArray(o, dst + x);
            for (; x < d; x++) o[dst + x] = acc[src + x] * inv;
            lse[lseOff + i] = max[i] == Float.POSITIVE_INFINITY ? max[i] : max[i] + (float) Math.log(l);
        }
    }

    private static boolean hasNaN(float[] s, int from, int count) {
        for (int j = from; j < from + count; j++) if (Float.isNaN(s[j])) return true;
        return false;
    }
}
