package dev.attnc.kernel.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The two matrix products of a tile, S = Q·Kᵀ and O = alpha·O + P·V, as one micro-kernel over
 * float arrays: C[m×n] = A[m×k]·B[k×n] (+ diag(scale)·C). A is read a scalar at a time and
 * broadcast, B and C a vector at a time, so neither product needs a horizontal sum. Blocks of
 * 4 rows × 4 vectors keep 16 accumulators in registers where there are 32 (AVX-512): per step of
 * k, 4 vector loads and 4 broadcasts feed 16 FMAs. With 16 registers (AVX2) that block would
 * spill, so there blocks are 4 rows × 2 vectors.
 * <p>
 * B is stored in panels ({@link Packing} lays K and V out so): the columns of one block, PANEL of
 * them, are a contiguous [k][PANEL] block, panels {@code panelStride} floats apart; a last panel of
 * fewer columns (a whole number of vectors) has rows of that many. Within a panel the step from one
 * k to the next is the constant PANEL, which lets C2 drop the bounds checks of B's loads; and each
 * block shape has its own method holding the whole loop nest, which C2 compiles markedly better
 * than a nest that calls a method per block (both measured: 8% and 30%). The two products have
 * separate copies of the main blocks ({@code ...Add} accumulates): shared, C2's code for both was
 * 30% slower than each on its own.
 */
public final class Gemm {
    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    /** Floats per vector on this machine. */
    public static final int LANES = F.length();
    /** Whether the machine has 32 vector registers (x86 with 512-bit vectors has), room for 4 × 4 blocks. */
    private static final boolean WIDE = LANES >= 16;
    /** Columns of B per panel: the width of one register block. */
    public static final int PANEL = (WIDE ? 4 : 2) * LANES;

    private Gemm() {}

    /** n rounded up to a whole number of vectors: the row length of every padded buffer. */
    public static int padded(int n) {
        return (n + LANES - 1) / LANES * LANES;
    }

    /** Floats from the start of panel-major B ({@code n} columns) to row {@code row} of the panel whose first column is {@code col}. */
    public static int panelRow(int row, int col, int n, int panelStride) {
        return col / PANEL * panelStride + row * Math.min(PANEL, n - col);
    }

    /** C = A·B. {@code n} must be a multiple of {@link #LANES}; m and k are any count. */
    public static void multiply(float[] a, int aOff, int lda, float[] b, int bOff, int panelStride,
            float[] c, int cOff, int ldc, int m, int n, int k) {
        run(a, aOff, lda, b, bOff, panelStride, c, cOff, ldc, m, n, k, null);
    }

    /** C = diag(rowScale)·C + A·B: the rescale of an online softmax folded into the accumulator's load. */
    public static void multiplyAdd(float[] a, int aOff, int lda, float[] b, int bOff, int panelStride,
            float[] c, int cOff, int ldc, int m, int n, int k, float[] rowScale) {
        run(a, aOff, lda, b, bOff, panelStride, c, cOff, ldc, m, n, k, rowScale);
    }

    /** With {@code scale} null, C starts from zero. */
    private static void run(float[] a, int aOff, int lda, float[] b, int bOff, int panelStride,
            float[] c, int cOff, int ldc, int m, int n, int k, float[] scale) {
        int m4 = m & ~3;
        int full = n - n % PANEL;
        if (WIDE && scale == null) rows4cols4(a, aOff, lda, b, bOff, panelStride, c, cOff, ldc, m4, full, k);
        else if (WIDE) rows4cols4Add(a, aOff, lda, b, bOff, panelStride, c, cOff, ldc, m4, full, k, scale);
        else if (scale == null) rows4cols2(a, aOff, lda, b, bOff, panelStride, c, cOff, ldc, m4, full, k);
        else rows4cols2Add(a, aOff, lda, b, bOff, panelStride, c, cOff, ldc, m4, full, k, scale);
        int tail = bOff + full / PANEL * panelStride;
        rows4cols1(a, aOff, lda, b, tail, n - full, c, cOff + full, ldc, m4, k, scale);
        for (int j = 0; j < n; j += PANEL) {
            rows1(a, aOff, lda, b, bOff + j / PANEL * panelStride, Math.min(PANEL, n - j), c, cOff + j, ldc, m4, m, k, scale);
        }
    }

    /** Row r of C's starting value: zero, or C scaled by the row's factor. */
    private static FloatVector start(float[] c, int at, float[] scale, int r) {
        return scale == null ? FloatVector.zero(F) : scaled(c, at, scale, r);
    }

    private static FloatVector scaled(float[] c, int at, float[] scale, int r) {
        return FloatVector.fromArray(F, c, at).mul(scale[r]);
    }

    /** Rows [0, m4) in blocks of 4, the full panels of columns [0, n) (4 vectors each). */
    private static void rows4cols4(float[] a, int aOff, int lda, float[] b, int bOff, int panelStride,
            float[] c, int cOff, int ldc, int m4, int n, int k) {
        final int l = LANES;
        for (int i = 0; i < m4; i += 4) {
            int a0 = aOff + i * lda, a1 = a0 + lda, a2 = a1 + lda, a3 = a2 + lda;
            for (int j = 0; j < n; j += PANEL) {
                int c0 = cOff + i * ldc + j, c1 = c0 + ldc, c2 = c1 + ldc, c3 = c2 + ldc;
                FloatVector x00 = FloatVector.zero(F), x01 = FloatVector.zero(F);
                FloatVector x02 = FloatVector.zero(F), x03 = FloatVector.zero(F);
                FloatVector x10 = FloatVector.zero(F), x11 = FloatVector.zero(F);
                FloatVector x12 = FloatVector.zero(F), x13 = FloatVector.zero(F);
                FloatVector x20 = FloatVector.zero(F), x21 = FloatVector.zero(F);
                FloatVector x22 = FloatVector.zero(F), x23 = FloatVector.zero(F);
                FloatVector x30 = FloatVector.zero(F), x31 = FloatVector.zero(F);
                FloatVector x32 = FloatVector.zero(F), x33 = FloatVector.zero(F);
                // from j, not a second induction variable of this loop: C2 compiles that 35% slower
                int bp = bOff + j / PANEL * panelStride;
                for (int p = 0; p < k; p++, bp += PANEL) {
                    FloatVector y0 = FloatVector.fromArray(F, b, bp);
                    FloatVector y1 = FloatVector.fromArray(F, b, bp + l);
                    FloatVector y2 = FloatVector.fromArray(F, b, bp + 2 * l);
                    FloatVector y3 = FloatVector.fromArray(F, b, bp + 3 * l);
                    FloatVector s = FloatVector.broadcast(F, a[a0 + p]);
                    x00 = s.fma(y0, x00);
                    x01 = s.fma(y1, x01);
                    x02 = s.fma(y2, x02);
                    x03 = s.fma(y3, x03);
                    s = FloatVector.broadcast(F, a[a1 + p]);
                    x10 = s.fma(y0, x10);
                    x11 = s.fma(y1, x11);
                    x12 = s.fma(y2, x12);
                    x13 = s.fma(y3, x13);
                    s = FloatVector.broadcast(F, a[a2 + p]);
                    x20 = s.fma(y0, x20);
                    x21 = s.fma(y1, x21);
                    x22 = s.fma(y2, x22);
                    x23 = s.fma(y3, x23);
                    s = FloatVector.broadcast(F, a[a3 + p]);
                    x30 = s.fma(y0, x30);
                    x31 = s.fma(y1, x31);
                    x32 = s.fma(y2, x32);
                    x33 = s.fma(y3, x33);
                }
                x00.intoArray(c, c0);
                x01.intoArray(c, c0 + l);
                x02.intoArray(c, c0 + 2 * l);
                x03.intoArray(c, c0 + 3 * l);
                x10.intoArray(c, c1);
                x11.intoArray(c, c1 + l);
                x12.intoArray(c, c1 + 2 * l);
                x13.intoArray(c, c1 + 3 * l);
                x20.intoArray(c, c2);
                x21.intoArray(c, c2 + l);
                x22.intoArray(c, c2 + 2 * l);
                x23.intoArray(c, c2 + 3 * l);
                x30.intoArray(c, c3);
                x31.intoArray(c, c3 + l);
                x32.intoArray(c, c3 + 2 * l);
                x33.intoArray(c, c3 + 3 * l);
            }
        }
    }

    /** {@link #rows4cols4} adding to C, scaled by row: C = diag(scale)·C + A·B. */
    private static void rows4cols4Add(float[] a, int aOff, int lda, float[] b, int bOff, int panelStride,
            float[] c, int cOff, int ldc, int m4, int n, int k, float[] scale) {
        final int l = LANES;
        for (int i = 0; i < m4; i += 4) {
            int a0 = aOff + i * lda, a1 = a0 + lda, a2 = a1 + lda, a3 = a2 + lda;
            for (int j = 0; j < n; j += PANEL) {
                int c0 = cOff + i * ldc + j, c1 = c0 + ldc, c2 = c1 + ldc, c3 = c2 + ldc;
                FloatVector x00 = scaled(c, c0, scale, i), x01 = scaled(c, c0 + l, scale, i);
                FloatVector x02 = scaled(c, c0 + 2 * l, scale, i), x03 = scaled(c, c0 + 3 * l, scale, i);
                FloatVector x10 = scaled(c, c1, scale, i + 1), x11 = scaled(c, c1 + l, scale, i + 1);
                FloatVector x12 = scaled(c, c1 + 2 * l, scale, i + 1), x13 = scaled(c, c1 + 3 * l, scale, i + 1);
                FloatVector x20 = scaled(c, c2, scale, i + 2), x21 = scaled(c, c2 + l, scale, i + 2);
                FloatVector x22 = scaled(c, c2 + 2 * l, scale, i + 2), x23 = scaled(c, c2 + 3 * l, scale, i + 2);
                FloatVector x30 = scaled(c, c3, scale, i + 3), x31 = scaled(c, c3 + l, scale, i + 3);
                FloatVector x32 = scaled(c, c3 + 2 * l, scale, i + 3), x33 = scaled(c, c3 + 3 * l, scale, i + 3);
                // from j, not a second induction variable of this loop: C2 compiles that 35% slower
                int bp = bOff + j / PANEL * panelStride;
                for (int p = 0; p < k; p++, bp += PANEL) {
                    FloatVector y0 = FloatVector.fromArray(F, b, bp);
                    FloatVector y1 = FloatVector.fromArray(F, b, bp + l);
                    FloatVector y2 = FloatVector.fromArray(F, b, bp + 2 * l);
                    FloatVector y3 = FloatVector.fromArray(F, b, bp + 3 * l);
                    FloatVector s = FloatVector.broadcast(F, a[a0 + p]);
                    x00 = s.fma(y0, x00);
                    x01 = s.fma(y1, x01);
                    x02 = s.fma(y2, x02);
                    x03 = s.fma(y3, x03);
                    s = FloatVector.broadcast(F, a[a1 + p]);
                    x10 = s.fma(y0, x10);
                    x11 = s.fma(y1, x11);
                    x12 = s.fma(y2, x12);
                    x13 = s.fma(y3, x13);
                    s = FloatVector.broadcast(F, a[a2 + p]);
                    x20 = s.fma(y0, x20);
                    x21 = s.fma(y1, x21);
                    x22 = s.fma(y2, x22);
                    x23 = s.fma(y3, x23);
                    s = FloatVector.broadcast(F, a[a3 + p]);
                    x30 = s.fma(y0, x30);
                    x31 = s.fma(y1, x31);
                    x32 = s.fma(y2, x32);
                    x33 = s.fma(y3, x33);
                }
                x00.intoArray(c, c0);
                x01.intoArray(c, c0 + l);
                x02.intoArray(c, c0 + 2 * l);
                x03.intoArray(c, c0 + 3 * l);
                x10.intoArray(c, c1);
                x11.intoArray(c, c1 + l);
                x12.intoArray(c, c1 + 2 * l);
                x13.intoArray(c, c1 + 3 * l);
                x20.intoArray(c, c2);
                x21.intoArray(c, c2 + l);
                x22.intoArray(c, c2 + 2 * l);
                x23.intoArray(c, c2 + 3 * l);
                x30.intoArray(c, c3);
                x31.intoArray(c, c3 + l);
                x32.intoArray(c, c3 + 2 * l);
                x33.intoArray(c, c3 + 3 * l);
            }
        }
    }

    /** Rows [0, m4) in blocks of 4, the full panels of columns [0, n) (2 vectors each, without AVX-512). */
    private static void rows4cols2(float[] a, int aOff, int lda, float[] b, int bOff, int panelStride,
            float[] c, int cOff, int ldc, int m4, int n, int k) {
        final int l = LANES;
        for (int i = 0; i < m4; i += 4) {
            int a0 = aOff + i * lda, a1 = a0 + lda, a2 = a1 + lda, a3 = a2 + lda;
            for (int j = 0; j < n; j += PANEL) {
                int c0 = cOff + i * ldc + j, c1 = c0 + ldc, c2 = c1 + ldc, c3 = c2 + ldc;
                FloatVector x00 = FloatVector.zero(F), x01 = FloatVector.zero(F);
                FloatVector x10 = FloatVector.zero(F), x11 = FloatVector.zero(F);
                FloatVector x20 = FloatVector.zero(F), x21 = FloatVector.zero(F);
                FloatVector x30 = FloatVector.zero(F), x31 = FloatVector.zero(F);
                // from j, not a second induction variable of this loop: C2 compiles that 35% slower
                int bp = bOff + j / PANEL * panelStride;
                for (int p = 0; p < k; p++, bp += PANEL) {
                    FloatVector y0 = FloatVector.fromArray(F, b, bp);
                    FloatVector y1 = FloatVector.fromArray(F, b, bp + l);
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
                x01.intoArray(c, c0 + l);
                x10.intoArray(c, c1);
                x11.intoArray(c, c1 + l);
                x20.intoArray(c, c2);
                x21.intoArray(c, c2 + l);
                x30.intoArray(c, c3);
                x31.intoArray(c, c3 + l);
            }
        }
    }

    /** {@link #rows4cols2} adding to C, scaled by row: C = diag(scale)·C + A·B. */
    private static void rows4cols2Add(float[] a, int aOff, int lda, float[] b, int bOff, int panelStride,
            float[] c, int cOff, int ldc, int m4, int n, int k, float[] scale) {
        final int l = LANES;
        for (int i = 0; i < m4; i += 4) {
            int a0 = aOff + i * lda, a1 = a0 + lda, a2 = a1 + lda, a3 = a2 + lda;
            for (int j = 0; j < n; j += PANEL) {
                int c0 = cOff + i * ldc + j, c1 = c0 + ldc, c2 = c1 + ldc, c3 = c2 + ldc;
                FloatVector x00 = scaled(c, c0, scale, i), x01 = scaled(c, c0 + l, scale, i);
                FloatVector x10 = scaled(c, c1, scale, i + 1), x11 = scaled(c, c1 + l, scale, i + 1);
                FloatVector x20 = scaled(c, c2, scale, i + 2), x21 = scaled(c, c2 + l, scale, i + 2);
                FloatVector x30 = scaled(c, c3, scale, i + 3), x31 = scaled(c, c3 + l, scale, i + 3);
                // from j, not a second induction variable of this loop: C2 compiles that 35% slower
                int bp = bOff + j / PANEL * panelStride;
                for (int p = 0; p < k; p++, bp += PANEL) {
                    FloatVector y0 = FloatVector.fromArray(F, b, bp);
                    FloatVector y1 = FloatVector.fromArray(F, b, bp + l);
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
                x01.intoArray(c, c0 + l);
                x10.intoArray(c, c1);
                x11.intoArray(c, c1 + l);
                x20.intoArray(c, c2);
                x21.intoArray(c, c2 + l);
                x30.intoArray(c, c3);
                x31.intoArray(c, c3 + l);
            }
        }
    }

    /** Rows [0, m4) in blocks of 4, one vector at a time, over a panel of {@code width} columns at {@code bOff}. */
    private static void rows4cols1(float[] a, int aOff, int lda, float[] b, int bOff, int width,
            float[] c, int cOff, int ldc, int m4, int k, float[] scale) {
        for (int i = 0; i < m4; i += 4) {
            int a0 = aOff + i * lda, a1 = a0 + lda, a2 = a1 + lda, a3 = a2 + lda;
            for (int j = 0; j < width; j += LANES) {
                int c0 = cOff + i * ldc + j, c1 = c0 + ldc, c2 = c1 + ldc, c3 = c2 + ldc;
                FloatVector x0 = start(c, c0, scale, i), x1 = start(c, c1, scale, i + 1);
                FloatVector x2 = start(c, c2, scale, i + 2), x3 = start(c, c3, scale, i + 3);
                int bp = bOff + j;
                for (int p = 0; p < k; p++, bp += width) {
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
        }
    }

    /** Rows [i0, i1) one at a time (the last rows of a ragged tile), over a panel of {@code width} columns at {@code bOff}. */
    private static void rows1(float[] a, int aOff, int lda, float[] b, int bOff, int width,
            float[] c, int cOff, int ldc, int i0, int i1, int k, float[] scale) {
        for (int i = i0; i < i1; i++) {
            int a0 = aOff + i * lda;
            for (int j = 0; j < width; j += LANES) {
                int c0 = cOff + i * ldc + j;
                FloatVector x = start(c, c0, scale, i);
                int bp = bOff + j;
                for (int p = 0; p < k; p++, bp += width) {
                    x = FloatVector.broadcast(F, a[a0 + p]).fma(FloatVector.fromArray(F, b, bp), x);
                }
                x.intoArray(c, c0);
            }
        }
    }
}
