package dev.attnc.compiler.codegen.java.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The two matrix products of a tile, S = Q·Kᵀ and O += P·V, as one micro-kernel over row-major
 * float arrays: C[m×n] (+)= A[m×k]·B[k×n]. A is read a scalar at a time and broadcast, B and C a
 * vector at a time, so neither product needs a horizontal sum (Kᵀ is packed by {@link Packing}).
 * Blocks of 4 rows × 2 vectors keep 8 accumulators in registers: per step of k, 2 vector loads and
 * 4 broadcasts feed 8 FMAs, which keeps the FMA units busy on AVX2 and AVX-512 alike.
 */
public final class Gemm {
    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    /** Floats per vector on this machine. */
    public static final int LANES = F.length();

    private Gemm() {}

    /** n rounded up to a whole number of vectors: the row length of every padded buffer. */
    public static int padded(int n) {
        return (n + LANES - 1) / LANES * LANES;
    }

    /**
     * C = A·B, or C += A·B when {@code accumulate}. {@code n} must be a multiple of {@link #LANES};
     * rows and k are any count.
     */
    public static void multiply(float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
            float[] c, int cOff, int ldc, int m, int n, int k, boolean accumulate) {
        int i = 0;
        for (; i + 4 <= m; i += 4) {
            int j = 0;
            for (; j + 2 * LANES <= n; j += 2 * LANES) {
                block4x2(a, aOff + i * lda, lda, b, bOff + j, ldb, c, cOff + i * ldc + j, ldc, k, accumulate);
            }
            for (; j < n; j += LANES) {
                block4x1(a, aOff + i * lda, lda, b, bOff + j, ldb, c, cOff + i * ldc + j, ldc, k, accumulate);
            }
        }
        for (; i < m; i++) {
            for (int j = 0; j < n; j += LANES) {
                block1x1(a, aOff + i * lda, b, bOff + j, ldb, c, cOff + i * ldc + j, k, accumulate);
            }
        }
    }

    private static FloatVector start(float[] c, int at, boolean accumulate) {
        return accumulate ? FloatVector.fromArray(F, c, at) : FloatVector.zero(F);
    }

    private static void block4x2(float[] a, int a0, int lda, float[] b, int b0, int ldb,
            float[] c, int c0, int ldc, int k, boolean accumulate) {
        int c1 = c0 + ldc, c2 = c1 + ldc, c3 = c2 + ldc;
        FloatVector x00 = start(c, c0, accumulate), x01 = start(c, c0 + LANES, accumulate);
        FloatVector x10 = start(c, c1, accumulate), x11 = start(c, c1 + LANES, accumulate);
        FloatVector x20 = start(c, c2, accumulate), x21 = start(c, c2 + LANES, accumulate);
        FloatVector x30 = start(c, c3, accumulate), x31 = start(c, c3 + LANES, accumulate);
        int a1 = a0 + lda, a2 = a1 + lda, a3 = a2 + lda;
        for (int p = 0, bp = b0; p < k; p++, bp += ldb) {
            FloatVector y0 = FloatVector.fromArray(F, b, bp);
            FloatVector y1 = FloatVector.fromArray(F, b, bp + LANES);
            FloatVector s = FloatVector.broadcast(F, a[a0 + p]);
            x00 = s.fma(y0, x00);
            x01 = s.fma(y1, x01);
            s = FloatVector.broadcast(F, a[a1 + p]);
            x10 = s.fma(y0, x10);
            x11 = s.fma(y1, x11);
            s = FloatVector.broadcast(F, a[a2 + p]);
            x20 = s.fma(y0, x20);
            x21 = s.fma(y1, x21);
            s = FloatVector.broadcast(F, a[a3 + p]);
            x30 = s.fma(y0, x30);
            x31 = s.fma(y1, x31);
        }
        x00.intoArray(c, c0);
        x01.intoArray(c, c0 + LANES);
        x10.intoArray(c, c1);
        x11.intoArray(c, c1 + LANES);
        x20.intoArray(c, c2);
        x21.intoArray(c, c2 + LANES);
        x30.intoArray(c, c3);
        x31.intoArray(c, c3 + LANES);
    }

    private static void block4x1(float[] a, int a0, int lda, float[] b, int b0, int ldb,
            float[] c, int c0, int ldc, int k, boolean accumulate) {
        int c1 = c0 + ldc, c2 = c1 + ldc, c3 = c2 + ldc;
        FloatVector x0 = start(c, c0, accumulate), x1 = start(c, c1, accumulate);
        FloatVector x2 = start(c, c2, accumulate), x3 = start(c, c3, accumulate);
        int a1 = a0 + lda, a2 = a1 + lda, a3 = a2 + lda;
        for (int p = 0, bp = b0; p < k; p++, bp += ldb) {
            FloatVector y = FloatVector.fromArray(F, b, bp);
            x0 = FloatVector.broadcast(F, a[a0 + p]).fma(y, x0);
            x1 = FloatVector.broadcast(F, a[a1 + p]).fma(y, x1);
            x2 = FloatVector.broadcast(F, a[a2 + p]).fma(y, x2);
            x3 = FloatVector.broadcast(F, a[a3 + p]).fma(y, x3);
        }
        x0.intoArray(c, c0);
        x1.intoArray(c, c1);
        x2.intoArray(c, c2);
        x3.intoArray(c, c3);
    }

    private static void block1x1(float[] a, int a0, float[] b, int b0, int ldb, float[] c, int c0, int k, boolean accumulate) {
        FloatVector x = start(c, c0, accumulate);
        for (int p = 0, bp = b0; p < k; p++, bp += ldb) {
            x = FloatVector.broadcast(F, a[a0 + p]).fma(FloatVector.fromArray(F, b, bp), x);
        }
        x.intoArray(c, c0);
    }
}
