package dev.attnc.backend;

import dev.attnc.DType;
import dev.attnc.compiler.ir.Attention;
import dev.attnc.compiler.plan.TilePlan;

/**
 * What to compile: an optimized attention for one storage dtype, head dimension (D, of Q and K),
 * value dimension (DV, of V and O) and tile plan.
 */
public record KernelRequest(Attention attention, DType dtype, int headDim, int valueDim, TilePlan tiles) {
    /** A request whose value dimension is the head dimension. */
    public KernelRequest(Attention attention, DType dtype, int headDim, TilePlan tiles) {
        this(attention, dtype, headDim, headDim, tiles);
    }
}
