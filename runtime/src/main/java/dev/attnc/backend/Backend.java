package dev.attnc.backend;

import dev.attnc.DType;
import dev.attnc.compiler.ir.Attention;
import dev.attnc.compiler.plan.TilePlan;
import dev.attnc.kernel.BlockPlan;
import java.util.List;
import java.util.function.Function;

/**
 * A place kernels run: the CPU (generated Java), an OpenCL device, a CUDA GPU. Backends differ in
 * the code they generate and how they drive their device, not in what a kernel means.
 */
public interface Backend extends AutoCloseable {
    /** "java", "opencl" or "cuda". */
    String name();

    /** The device in words, e.g. "CPU (2 cores, Vector API 256-bit)" or "NVIDIA H100 80GB HBM3". */
    String device();

    /** The tile plan this backend uses for a head dimension (its capabilities decide). */
    TilePlan tilePlan(int headDim);

    /**
     * The tile plan for this attention: the autotuner's remembered winner for its variant class on
     * this device, or {@link #tilePlan(int)}.
     */
    default TilePlan tilePlan(Attention attention, DType dtype, int headDim) {
        return tilePlan(headDim);
    }

    /**
     * The tile plan once the block plan under {@code tiles} (the plan above) is known: a backend
     * may pick another shape for a mask that keeps few tiles. {@code keptTiles}: the fraction of
     * tiles that are not EMPTY. {@link #plan} plans again if the answer differs.
     */
    default TilePlan tilePlanForMask(Attention attention, DType dtype, int headDim, TilePlan tiles, double keptTiles) {
        return tiles;
    }

    /** The tiles a call runs with and its block plan under them. */
    record Planned(TilePlan tiles, BlockPlan plan) {}

    /**
     * What a call of this attention runs with: {@link #tilePlan(Attention, DType, int)}, then
     * {@link #tilePlanForMask} on the block plan that {@code planner} makes under it.
     */
    default Planned plan(Attention attention, DType dtype, int headDim, Function<TilePlan, BlockPlan> planner) {
        TilePlan first = tilePlan(attention, dtype, headDim);
        BlockPlan firstPlan = planner.apply(first);
        TilePlan tiles = tilePlanForMask(attention, dtype, headDim, first, firstPlan.keptFraction());
        return new Planned(tiles, tiles.equals(first) ? firstPlan : planner.apply(tiles));
    }

    /** Tile plans worth timing for a head dimension (the autotuner's candidates), the default first. */
    default List<TilePlan> tileCandidates(int headDim) {
        return List.of(tilePlan(headDim));
    }

    /** Remembers the autotuner's winner for this attention's variant class; false where the backend keeps no table. */
    default boolean rememberTiles(Attention attention, DType dtype, int headDim, TilePlan winner) {
        return false;
    }

    /** Compiles (or takes from the cache) a kernel. */
    CompiledKernel compile(KernelRequest request);

    @Override
    default void close() {}
}
