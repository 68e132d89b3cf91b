package dev.attnc.backend;

import dev.attnc.DType;
import dev.attnc.compiler.ir.Attention;
import dev.attnc.compiler.plan.TilePlan;
import dev.attnc.compiler.plan.VariantClass;
import dev.attnc.compiler.target.BackendOptions;
import dev.attnc.compiler.target.Decision;
import dev.attnc.compiler.target.DeviceCaps;
import dev.attnc.compiler.target.TargetPolicy;
import dev.attnc.kernel.BlockPlan;
import java.util.List;
import java.util.function.Function;

/**
 * The {@link TargetPolicy} bound to one device: its capabilities, the forced options, and its
 * tuning table (null where the backend keeps none). It needs no device at hand, so a backend and
 * {@code attnc compile --arch ...} built with the same caps decide the same.
 *
 * @param tuningDevice the device's words in the tuning table's keys (its name and engine)
 */
public record BackendPolicy(DeviceCaps caps, BackendOptions options, TuningTable tuning, String tuningDevice) {
    /** A policy with no tuning table. */
    public static BackendPolicy untuned(DeviceCaps caps, BackendOptions options) {
        return new BackendPolicy(caps, options, null, null);
    }

    /** The device's default tiles for a head dimension (no tuned winner, no mask known). */
    public TilePlan defaultTiles(int headDim) {
        return TargetPolicy.tiles(new TargetPolicy.TileRequest(caps, headDim, null, Double.NaN, options));
    }

    /**
     * The tiles a call of this attention runs with; {@code keptTiles}: the fraction of tiles its
     * mask keeps under the tiles this returned for NaN, or NaN before that is known.
     */
    public TilePlan tiles(Attention attention, DType dtype, int headDim, double keptTiles) {
        TilePlan tuned = tuning == null ? null : tuning.get(tuningKey(attention, dtype, headDim));
        return TargetPolicy.tiles(new TargetPolicy.TileRequest(caps, headDim, tuned, keptTiles, options));
    }

    /**
     * The tiles a call runs with and its block plan under them: the policy's tiles (forced, tuned or
     * default), then the policy's tiles again once the block plan that {@code planner} makes under
     * them tells how much of the grid the mask keeps; planned again if that changes the tiles.
     */
    public Backend.Planned plan(Attention attention, DType dtype, int headDim, Function<TilePlan, BlockPlan> planner) {
        TilePlan first = tiles(attention, dtype, headDim, Double.NaN);
        BlockPlan firstPlan = planner.apply(first);
        TilePlan tiles = tiles(attention, dtype, headDim, firstPlan.keptFraction());
        return new Backend.Planned(tiles, tiles.equals(first) ? firstPlan : planner.apply(tiles));
    }

    /** How to build a request's kernel, best first; the later entries are the spill fallbacks. */
    public List<Decision> decisions(KernelRequest request) {
        return TargetPolicy.decisions(caps, request.headDim(), request.valueDim(), request.tiles(), options);
    }

    /** The autotuner's candidates, the default first. */
    public List<TilePlan> candidates(int headDim) {
        return TargetPolicy.tileCandidates(caps, headDim, options);
    }

    /** Remembers the autotuner's winner for the attention's variant class; false where there is no table. */
    public boolean remember(Attention attention, DType dtype, int headDim, TilePlan winner) {
        if (tuning == null) return false;
        tuning.put(tuningKey(attention, dtype, headDim), winner);
        return true;
    }

    private String tuningKey(Attention attention, DType dtype, int headDim) {
        return TuningTable.key(tuningDevice, headDim, dtype, VariantClass.of(attention));
    }
}
