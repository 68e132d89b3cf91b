package dev.attnc.compiler.codegen.java.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class GemmTest {
    /** m, n in vectors, k: every block shape and remainder (rows not a multiple of 4, odd vector counts). */
    @ParameterizedTest
    @CsvSource({"64,4,128", "7,3,5", "1,1,1", "13,5,40", "4,8,64", "66,2,17"})
    void matchesTheNaiveProduct(int m, int nVectors, int k) {
        int n = nVectors * Gemm.LANES;
        int lda = k + 3, ldb = n + Gemm.LANES, ldc = n + 2 * Gemm.LANES;
        SplittableRandom r = new SplittableRandom(m * 31 + k);
        float[] a = new float[m * lda], b = new float[k * ldb], c = new float[m * ldc];
        for (int i = 0; i < a.length; i++) a[i] = (float) r.nextDouble(-1, 1);
        for (int i = 0; i < b.length; i++) b[i] = (float) r.nextDouble(-1, 1);
        for (int i = 0; i < c.length; i++) c[i] = (float) r.nextDouble(-1, 1);
        float[] before = c.clone();
        float[] scale = new float[m];
        for (int i = 0; i < m; i++) scale[i] = (float) r.nextDouble(0, 1);
        Gemm.multiplyAdd(a, 0, lda, b, 0, ldb, c, 0, ldc, m, n, k, scale);
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double want = (double) before[i * ldc + j] * scale[i];
                for (int p = 0; p < k; p++) want += (double) a[i * lda + p] * b[p * ldb + j];
                assertEquals(want, c[i * ldc + j], 1e-4, "C[" + i + "][" + j + "]");
            }
            for (int j = n; j < ldc; j++) assertEquals(before[i * ldc + j], c[i * ldc + j], "padding untouched");
        }
        Gemm.multiply(a, 0, lda, b, 0, ldb, c, 0, ldc, m, n, k);
        double want = 0;
        for (int p = 0; p < k; p++) want += (double) a[p] * b[p * ldb];
        assertEquals(want, c[0], 1e-4, "C = A·B overwrites");
    }
}
