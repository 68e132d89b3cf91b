package dev.attnc.kernel.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/** The vector shapes and constants that generated score and mask loops use, a vector of keys at a time. */
public final class ElementVectors {
    public static final VectorSpecies<Float> FLOATS = Gemm.F;
    /** Ints with as many lanes as {@link #FLOATS}, so that masks convert between them. */
    public static final VectorSpecies<Integer> INTS = VectorSpecies.of(int.class, VectorShape.forBitSize(FLOATS.vectorBitSize()));
    public static final int LANES = FLOATS.length();
    /** 0, 1, ..., LANES - 1: the keys of a vector relative to its first. */
    public static final IntVector IOTA = IntVector.zero(INTS).addIndex(1);
    public static final FloatVector MINUS_INFINITY = FloatVector.broadcast(FLOATS, Float.NEGATIVE_INFINITY);

    private ElementVectors() {}

    /**
     * The sum of the lanes, first to last: a fixed order, so a sum is the same bits on every run
     * (FloatVector's ADD reduction leaves the order to the implementation, which may differ between
     * the interpreter and C2).
     */
    public static float sumLanes(FloatVector v) {
        float sum = 0;
        for (int lane = 0; lane < LANES; lane++) sum += v.lane(lane);
        return sum;
    }
}
