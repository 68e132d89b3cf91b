package dev.attnc.kernel.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class OnlineSoftmaxTest {
    private static final float NEG_INF = Float.NEGATIVE_INFINITY;

    /**
     * Three rows over two tiles of 2·LANES base-2 scores (the second ragged): an ordinary row, a row
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
            softmax.update(s, ld, rows, cols, true);
            for (int i = 0; i < rows; i++) {
                acc[i * ldAcc] *= softmax.alpha()[i];
                for (int j = 0; j < cols; j++) acc[i * ldAcc] += s[i * ld + j];
            }
        }
        float[] o = new float[rows], lse = new float[rows];
        softmax.finish(acc, ldAcc, rows, 1, o, 0, lse, 0);
        for (int i = 0; i < 2; i++) {
            double total = 0;
            for (int t = 0; t < 2; t++) {
                for (int j = 0; j < (t == 0 ? ld : cols2); j++) total += Math.pow(2, tiles[t][i * ld + j]);
            }
            assertEquals(Math.log(total), lse[i], 1e-5, "LSE of row " + i);
            assertEquals(1.0, o[i], 1e-5, "the probabilities of row " + i + " sum to 1");
        }
        assertEquals(NEG_INF, lse[2]);
        assertEquals(0f, o[2]);
    }

    @Test
    void finiteTilesNeedNoGuard() {
        int ld = Gemm.LANES, rows = 2;
        float[] s = new float[rows * ld];
        for (int i = 0; i < s.length; i++) s[i] = i * 0.37f - 3;
        OnlineSoftmax guarded = new OnlineSoftmax(rows), plain = new OnlineSoftmax(rows);
        float[] a = s.clone(), b = s.clone();
        guarded.update(a, ld, rows, ld, true);
        plain.update(b, ld, rows, ld, false);
        for (int i = 0; i < s.length; i++) assertEquals(a[i], b[i]);
    }
}
