package dev.attnc.kernel.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class OnlineSoftmaxTest {
    private static final float NEG_INF = Float.NEGATIVE_INFINITY;

    /**
     * Three rows over two tiles of 2·LANES scores (the second ragged): an ordinary row, a row
     * masked in the first tile only, a row masked everywhere. With one value column of ones, O is Σ P = 1.
     */
    @Test
    void twoTilesGiveTheSoftmaxOfTheWholeRow() {
        int ld = 2 * Gemm.LANES, cols2 = ld - 3, rows = 3, ldAcc = Gemm.LANES;
        float[][] tiles = new float[2][rows * ld];
        for (int t = 0; t < 2; t++) {
            for (int j = 0; j < ld; j++) {
                tiles[t][j] = 3 * (float) Math.sin(t * ld + j);
                tiles[t][ld + j] = t == 0 ? NEG_INF : (float) Math.cos(j);
                tiles[t][2 * ld + j] = NEG_INF;
            }
        }
        OnlineSoftmax softmax = new OnlineSoftmax(rows);
        float[] acc = new float[rows * ldAcc];
        for (int t = 0; t < 2; t++) {
            int cols = t == 0 ? ld : cols2;
            float[] s = tiles[t].clone();
            softmax.update(s, ld, rows, cols);
            for (int i = 0; i < rows; i++) {
                acc[i * ldAcc] *= softmax.alpha()[i];
                for (int j = 0; j < cols; j++) acc[i * ldAcc] += s[i * ld + j];
            }
        }
        float[] o = new float[rows], lse = new float[rows];
        softmax.finish(acc, ldAcc, rows, 1, o, 0, 1, lse, 0);
        for (int i = 0; i < 2; i++) {
            double total = 0;
            for (int t = 0; t < 2; t++) {
                for (int j = 0; j < (t == 0 ? ld : cols2); j++) total += Math.exp(tiles[t][i * ld + j]);
            }
            assertEquals(Math.log(total), lse[i], 1e-5, "LSE of row " + i);
            assertEquals(1.0, o[i], 1e-5, "the probabilities of row " + i + " sum to 1");
        }
        assertEquals(NEG_INF, lse[2]);
        assertEquals(0f, o[2]);
    }

    /** Rows of one tile: 3e38 everywhere; 3e38 beside -3e38; a NaN; a +inf; a +inf and a NaN. Values are ones. */
    @Test
    void hugeScoresAreOrdinaryAndNonFiniteOnesPropagate() {
        int ld = Gemm.LANES, rows = 5;
        float[] s = new float[rows * ld];
        java.util.Arrays.fill(s, 0, ld, 3e38f);
        for (int j = 0; j < ld; j++) s[ld + j] = j % 2 == 0 ? 3e38f : -3e38f;
        s[2 * ld + ld - 1] = Float.NaN;
        s[3 * ld + 1] = Float.POSITIVE_INFINITY;
        s[4 * ld + 1] = Float.POSITIVE_INFINITY;
        s[4 * ld + ld - 1] = Float.NaN;
        OnlineSoftmax softmax = new OnlineSoftmax(rows);
        softmax.update(s, ld, rows, ld);
        float[] acc = new float[rows], o = new float[rows], lse = new float[rows];
        for (int i = 0; i < rows; i++) for (int j = 0; j < ld; j++) acc[i] += s[i * ld + j];
        softmax.finish(acc, 1, rows, 1, o, 0, 1, lse, 0);
        assertEquals(1f, o[0], 1e-6, "a uniform softmax");
        assertEquals(3e38f, lse[0], 1e32);
        assertEquals(1f, o[1], 1e-6, "-3e38 weighs exp(-6e38) = 0 beside 3e38");
        assertEquals(3e38f, lse[1], 1e32);
        assertEquals(Float.NaN, o[2]);
        assertEquals(Float.NaN, lse[2]);
        assertEquals(Float.NaN, o[3]);
        assertEquals(Float.POSITIVE_INFINITY, lse[3]);
        assertEquals(Float.NaN, o[4]);
        assertEquals(Float.NaN, lse[4], "NaN wins over +inf, as in PyTorch's logsumexp");
    }
}
