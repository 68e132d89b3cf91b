package dev.attnc.kernel.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

class VectorMathTest {
    private static float[] apply(float[] x) {
        float[] y = new float[Gemm.LANES];
        VectorMath.exp2Guarded(FloatVector.fromArray(Gemm.F, x, 0)).intoArray(y, 0);
        float[] plain = new float[Gemm.LANES];
        VectorMath.exp2(FloatVector.fromArray(Gemm.F, x, 0)).intoArray(plain, 0);
        for (int i = 0; i < x.length; i++) {
            if (x[i] > -126) assertEquals(y[i], plain[i], "the guard changes nothing for finite x");
        }
        return y;
    }

    @Test
    void exp2IsAccurateAndTheGuardedOneFlushesTinyResultsToZero() {
        float[] x = new float[Gemm.LANES];
        for (float v = -130f; v <= 20f; ) {
            for (int i = 0; i < x.length; i++, v += 0.0173f) x[i] = v;
            float[] y = apply(x);
            for (int i = 0; i < x.length; i++) {
                double want = Math.pow(2, x[i]);
                if (x[i] < -126.5) assertEquals(0f, y[i], "2^" + x[i]);
                else if (want >= Float.MIN_NORMAL) assertEquals(want, y[i], want * 3e-7, "2^" + x[i]);
            }
        }
        x[0] = Float.NEGATIVE_INFINITY;
        x[1] = 0f;
        float[] y = apply(x);
        assertEquals(0f, y[0]);
        assertEquals(1f, y[1], 2e-7);
    }

    @Test
    void maxLaneOrdersNegativesAndInfinities() {
        float[] x = new float[Gemm.LANES];
        java.util.Arrays.fill(x, Float.NEGATIVE_INFINITY);
        assertEquals(Float.NEGATIVE_INFINITY, VectorMath.maxLane(FloatVector.fromArray(Gemm.F, x, 0)));
        x[3] = -5f;
        x[1] = -7f;
        assertEquals(-5f, VectorMath.maxLane(FloatVector.fromArray(Gemm.F, x, 0)));
        x[Gemm.LANES - 1] = 2.5f;
        assertEquals(2.5f, VectorMath.maxLane(VectorMath.max(FloatVector.fromArray(Gemm.F, x, 0), FloatVector.zero(Gemm.F))));
    }
}
