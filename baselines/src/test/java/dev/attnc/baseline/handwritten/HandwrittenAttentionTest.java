package dev.attnc.baseline.handwritten;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.ForkJoinPool;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Both handwritten kernels against a straightforward double-precision reference on small ragged shapes. */
class HandwrittenAttentionTest {
    private static final double TOL = 1e-4;

    enum Impl {
        NAIVE, FUSED, FUSED_SEQUENTIAL
    }

    /** Shape of one case: B, H, H_KV, Q_LEN, KV_LEN, D, causal, causalOffset. */
    record Shape(int b, int h, int hkv, int qLen, int kvLen, int d, boolean causal, int offset) {
        @Override
        public String toString() {
            return "B=" + b + " H=" + h + " H_KV=" + hkv + " Q=" + qLen + " KV=" + kvLen + " D=" + d
                    + (causal ? " causal off=" + offset : " full");
        }
    }

    static Stream<Arguments> cases() {
        Shape[] shapes = {
            new Shape(1, 4, 2, 77, 131, 64, false, 0),
            new Shape(1, 4, 2, 77, 131, 64, true, 0),
            new Shape(1, 4, 2, 131, 77, 64, false, 0),   // Q_LEN > KV_LEN
            new Shape(1, 4, 2, 131, 77, 64, true, 0),    // Q_LEN > KV_LEN, causal
            new Shape(1, 4, 2, 77, 131, 64, true, -5),   // first 5 rows keep nothing
            new Shape(1, 4, 2, 131, 77, 64, true, -5),
            new Shape(1, 4, 2, 77, 131, 64, true, 40),   // diagonal shifted right
            new Shape(2, 4, 2, 77, 131, 40, true, 0),    // D not a multiple of the vector length
            new Shape(1, 2, 1, 150, 150, 128, true, 0),
            new Shape(1, 2, 2, 64, 64, 128, false, 0),   // exact tiles
            new Shape(1, 1, 1, 1, 1, 16, false, 0),
            new Shape(1, 2, 1, 9, 0, 64, false, 0),      // no keys at all
            new Shape(1, 2, 1, 70, 70, 64, true, -200),  // every row empty
        };
        return Stream.of(shapes).flatMap(s -> Stream.of(Impl.values()).map(i -> Arguments.of(i, s)));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void matchesDoubleReference(Impl impl, Shape s) {
        SplittableRandom rnd = new SplittableRandom(7 + s.hashCode());
        float[] q = randn(rnd, s.b * s.h * s.qLen * s.d);
        float[] k = randn(rnd, s.b * s.hkv * s.kvLen * s.d);
        float[] v = randn(rnd, s.b * s.hkv * s.kvLen * s.d);
        float[] o = new float[s.b * s.h * s.qLen * s.d];
        float[] lse = new float[s.b * s.h * s.qLen];
        Arrays.fill(o, Float.NaN); // anything left unwritten shows up
        Arrays.fill(lse, Float.NaN);
        float scale = AttentionShape.defaultScale(s.d);
        switch (impl) {
            case NAIVE -> NaiveAttention.forward(q, k, v, o, lse, s.b, s.h, s.hkv, s.qLen, s.kvLen, s.d, s.causal,
                    s.offset, scale);
            case FUSED -> FusedAttention.forward(q, k, v, o, lse, s.b, s.h, s.hkv, s.qLen, s.kvLen, s.d, s.causal,
                    s.offset, scale);
            case FUSED_SEQUENTIAL -> FusedAttention.forward((ForkJoinPool) null, q, k, v, o, lse, s.b, s.h, s.hkv,
                    s.qLen, s.kvLen, s.d, s.causal, s.offset, scale);
        }
        double[] ro = new double[o.length];
        double[] rl = new double[lse.length];
        reference(q, k, v, ro, rl, s, scale);

        double errO = 0;
        for (int i = 0; i < o.length; i++) {
            assertFalse(Float.isNaN(o[i]), "O is NaN at " + i);
            errO = Math.max(errO, Math.abs(o[i] - ro[i]));
        }
        double errL = 0;
        int emptyRows = 0;
        for (int i = 0; i < lse.length; i++) {
            assertFalse(Float.isNaN(lse[i]), "LSE is NaN at " + i);
            if (rl[i] == Double.NEGATIVE_INFINITY) {
                emptyRows++;
                assertEquals(Float.NEGATIVE_INFINITY, lse[i], "row " + i + " keeps no key: LSE must be -inf");
                for (int x = 0; x < s.d; x++) {
                    assertEquals(0f, o[i * s.d + x], "row " + i + " keeps no key: O must be 0");
                }
            } else {
                assertTrue(Float.isFinite(lse[i]), "LSE not finite at " + i);
                errL = Math.max(errL, Math.abs(lse[i] - rl[i]));
            }
        }
        if (s.causal && s.offset == -5) {
            assertEquals(5 * s.b * s.h, emptyRows, "offset -5 empties the first 5 rows of every head");
        }
        assertTrue(errO < TOL, "max |O - ref| = " + errO);
        assertTrue(errL < TOL, "max |LSE - ref| = " + errL);
    }

    @Test
    void fusedHandlesLargeScoresWithoutOverflow() {
        // scores of a few hundred: a softmax without the running max would overflow
        Shape s = new Shape(1, 1, 1, 70, 200, 64, true, 0);
        SplittableRandom rnd = new SplittableRandom(3);
        float[] q = randn(rnd, s.qLen * s.d);
        float[] k = randn(rnd, s.kvLen * s.d);
        float[] v = randn(rnd, s.kvLen * s.d);
        for (int i = 0; i < q.length; i++) {
            q[i] *= 20;
        }
        float[] o = new float[q.length];
        float[] lse = new float[s.qLen];
        FusedAttention.forward(q, k, v, o, lse, 1, 1, 1, s.qLen, s.kvLen, s.d, true, 0, 1f);
        double[] ro = new double[o.length];
        double[] rl = new double[lse.length];
        reference(q, k, v, ro, rl, s, 1f);
        // scores are O(100) here, so float rounding of S alone is ~1e-4 relative: looser bounds
        for (int i = 0; i < o.length; i++) {
            assertTrue(Float.isFinite(o[i]), "O not finite at " + i);
            assertEquals(ro[i], o[i], 1e-2, "O at " + i);
        }
        for (int i = 0; i < lse.length; i++) {
            assertEquals(rl[i], lse[i], 1e-5 * Math.max(1, Math.abs(rl[i])), "LSE at " + i);
        }
    }

    @Test
    void lseMayBeNullAndShapesAreChecked() {
        float[] q = new float[2 * 8 * 16];
        float[] kv = new float[8 * 16];
        float[] o = new float[q.length];
        FusedAttention.forward(q, kv, kv, o, null, 1, 2, 1, 8, 8, 16, false);
        NaiveAttention.forward(q, kv, kv, o, null, 1, 2, 1, 8, 8, 16, false);
        assertThrows(IllegalArgumentException.class,
                () -> FusedAttention.forward(q, kv, kv, o, null, 1, 3, 2, 8, 8, 16, false));
        assertThrows(IllegalArgumentException.class,
                () -> NaiveAttention.forward(q, kv, kv, new float[3], null, 1, 2, 1, 8, 8, 16, false));
    }

    @Test
    void flopCount() {
        assertEquals(4.0 * 64 * 1024 * 1024 * 4, AttentionShape.flops(1, 4, 1024, 1024, 64, false, 0));
        assertEquals(4.0 * 64 * (1024L * 1025 / 2) * 4, AttentionShape.flops(1, 4, 1024, 1024, 64, true, 0));
        assertEquals(0 + 0 + 1 + 2 + 3 + 4, AttentionShape.keptPairs(1, 1, 6, 4, true, -2));
    }

    private static float[] randn(SplittableRandom rnd, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            // Box-Muller, one value per pair
            double u = 1 - rnd.nextDouble();
            a[i] = (float) (Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rnd.nextDouble()));
        }
        return a;
    }

    /** Double-precision attention straight from the definition. */
    static void reference(float[] q, float[] k, float[] v, double[] o, double[] lse, Shape s, double scale) {
        int group = s.h / s.hkv;
        double[] p = new double[s.kvLen];
        for (int b = 0; b < s.b; b++) {
            for (int h = 0; h < s.h; h++) {
                int bh = b * s.h + h;
                int bhk = b * s.hkv + h / group;
                for (int i = 0; i < s.qLen; i++) {
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j < s.kvLen; j++) {
                        if (s.causal && j > i + s.offset) {
                            p[j] = Double.NEGATIVE_INFINITY;
                            continue;
                        }
                        double dot = 0;
                        for (int x = 0; x < s.d; x++) {
                            dot += (double) q[(bh * s.qLen + i) * s.d + x] * k[(bhk * s.kvLen + j) * s.d + x];
                        }
                        p[j] = dot * scale;
                        max = Math.max(max, p[j]);
                    }
                    int orow = (bh * s.qLen + i) * s.d;
                    if (max == Double.NEGATIVE_INFINITY) {
                        Arrays.fill(o, orow, orow + s.d, 0);
                        lse[bh * s.qLen + i] = Double.NEGATIVE_INFINITY;
                        continue;
                    }
                    double sum = 0;
                    for (int j = 0; j < s.kvLen; j++) {
                        p[j] = p[j] == Double.NEGATIVE_INFINITY ? 0 : Math.exp(p[j] - max);
                        sum += p[j];
                    }
                    for (int x = 0; x < s.d; x++) {
                        double acc = 0;
                        for (int j = 0; j < s.kvLen; j++) {
                            acc += p[j] * v[(bhk * s.kvLen + j) * s.d + x];
                        }
                        o[orow + x] = acc / sum;
                    }
                    lse[bh * s.qLen + i] = max + Math.log(sum);
                }
            }
        }
    }
}
