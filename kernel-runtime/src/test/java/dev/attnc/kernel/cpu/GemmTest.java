package dev.attnc.kernel.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class GemmTest {
    /** m, n in vectors, k: every block shape and remainder (rows not a multiple of 4, a narrow last panel). */
    @ParameterizedTest
    @CsvSource({"64,4,128", "7,3,5", "1,1,1", "13,5,40", "4,8,64", "66,2,17", "9,11,3"})
    void matchesTheNaiveProduct(int m, int nVectors, int k) {
        int n = nVectors * Gemm.LANES;
        int lda = k + 3, ldc = n + 2 * Gemm.LANES, kAlloc = k + 2;
        SplittableRandom r = new SplittableRandom(m * 31 + k);
        float[] a = new float[m * lda], c = new float[m * ldc];
        float[][] bm = new float[k][n];
        for (int i = 0; i < a.length; i++) a[i] = (float) r.nextDouble(-1, 1);
        for (int i = 0; i < c.length; i++) c[i] = (float) r.nextDouble(-1, 1);
        // B in panels, 5 floats in, with kAlloc ≥ k rows per panel
        int off = 5, stride = Packing.panelStride(kAlloc);
        float[] b = new float[off + Packing.tileSize(kAlloc, n)];
        for (int p = 0; p < k; p++) {
            for (int j = 0; j < n; j++) {
                bm[p][j] = (float) r.nextDouble(-1, 1);
                int panel = j - j % Gemm.PANEL;
                b[off + Gemm.panelRow(p, panel, n, stride) + j - panel] = bm[p][j];
            }
        }
        float[] before = c.clone();
        float[] scale = new float[m];
        for (int i = 0; i < m; i++) scale[i] = (float) r.nextDouble(0, 1);
        Gemm.multiplyAdd(a, 0, lda, b, off, stride, c, 0, ldc, m, n, k, scale);
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double want = (double) before[i * ldc + j] * scale[i];
                for (int p = 0; p < k; p++) want += (double) a[i * lda + p] * bm[p][j];
                assertEquals(want, c[i * ldc + j], 1e-4, "C[" + i + "][" + j + "]");
            }
            for (int j = n; j < ldc; j++) assertEquals(before[i * ldc + j], c[i * ldc + j], "padding untouched");
        }
        Gemm.multiply(a, 0, lda, b, off, stride, c, 0, ldc, m, n, k);
        double want = 0;
        for (int p = 0; p < k; p++) want += (double) a[p] * bm[p][0];
        assertEquals(want, c[0], 1e-4, "C = A·B overwrites");
    }
}
