package dev.attnc.kernel.cpu;

import static dev.attnc.kernel.cpu.Gemm.F;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

/**
 * The vector operations of the softmax, written so that C2 compiles each to a few instructions:
 * an inlined polynomial 2^x (the Vector API's EXP calls a library routine per vector), and max
 * reductions without the NaN and -0.0 ordering that FloatVector's MAX pays for. These follow the
 * handwritten baseline (baselines' FusedAttention), which measured each of them faster.
 */
final class VectorMath {
    /** 1.5 · 2^23: adding it rounds a float of magnitude below 2^22 to an integer in the low mantissa bits. */
    private static final float MAGIC = 12582912f;
    // a near-minimax degree-5 fit of 2^f on [-0.5, 0.5]: relative error 7.5e-8
    private static final FloatVector C0 = FloatVector.broadcast(F, 1.0000001f);
    private static final FloatVector C1 = FloatVector.broadcast(F, 6.9314694e-1f);
    private static final FloatVector C2 = FloatVector.broadcast(F, 2.4022120e-1f);
    private static final FloatVector C3 = FloatVector.broadcast(F, 5.5507131e-2f);
    private static final FloatVector C4 = FloatVector.broadcast(F, 9.6755410e-3f);
    private static final FloatVector C5 = FloatVector.broadcast(F, 1.3276471e-3f);
    private static final FloatVector MINUS_127 = FloatVector.broadcast(F, -127f);

    private VectorMath() {}

    /** 2^x for finite x ≤ 127 (-inf gives NaN: see {@link #exp2Guarded}); 2^n · p(f) with n = round(x), f = x - n. */
    static FloatVector exp2(FloatVector x) {
        FloatVector t = x.add(MAGIC);
        IntVector n = t.reinterpretAsInts().sub(0x4B40_0000).max(-127);
        FloatVector f = x.sub(t.sub(MAGIC));
        FloatVector p = C5.fma(f, C4).fma(f, C3).fma(f, C2).fma(f, C1).fma(f, C0);
        return p.mul(n.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats());
    }

    /** 2^x for x ≤ 127 where results below about 2^-126, 2^-inf included, are exactly 0 (x is clamped to -127). */
    static FloatVector exp2Guarded(FloatVector x) {
        return exp2(x.blend(MINUS_127, x.lt(MINUS_127)));
    }

    private static final FloatVector NEG_LOG2E = FloatVector.broadcast(F, -QueryTile.LOG2E);
    private static final FloatVector ONE = FloatVector.broadcast(F, 1f);

    /**
     * sigmoid(x) = 1 / (1 + e^-x), through e = 2^(-|x|·log2 e) in (0, 1] so that the power never
     * overflows: 1 / (1 + e) for x ≥ 0, e / (1 + e) below; ±inf give exactly 1 and 0.
     */
    static FloatVector sigmoid(FloatVector x) {
        FloatVector e = exp2Guarded(x.abs().mul(NEG_LOG2E));
        FloatVector r = ONE.div(e.add(ONE));
        return r.blend(e.mul(r), x.lt(0f));
    }

    /** Lane-wise max by compare and blend. */
    static FloatVector max(FloatVector a, FloatVector b) {
        return a.blend(b, a.lt(b));
    }

    /** The largest lane, through an order-preserving int key (C2's float MAX reduction is slow). */
    static float maxLane(FloatVector v) {
        IntVector i = v.reinterpretAsInts();
        IntVector key = i.lanewise(VectorOperators.XOR, i.lanewise(VectorOperators.ASHR, 31).lanewise(VectorOperators.AND, 0x7FFF_FFFF));
        int k = key.reduceLanes(VectorOperators.MAX);
        return Float.intBitsToFloat(k ^ ((k >> 31) & 0x7FFF_FFFF));
    }
}
