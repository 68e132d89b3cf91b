package dev.attnc.cli;

import dev.attnc.Tensor;
import java.util.Locale;

/**
 * How `attnc run --layout` lays Q, K, V, dO and the outputs O, dQ, dK, dV out in .npy files:
 * [B, H, S, D] as the kernels index them, or [B, S, H, D] as projections produce them (PyTorch's
 * and most inference engines' layout). A [B, S, H, D] file is read as it is and used as a strided
 * [B, H, S, D] view, never transposed into a copy; outputs come back in the inputs' layout.
 */
enum Layout {
    BHSD, BSHD;

    static Layout parse(String word) {
        try {
            return valueOf(word.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new picocli.CommandLine.TypeConversionException("--layout is bhsd or bshd, not '" + word + "'");
        }
    }

    /** A tensor as stored in this layout, seen as [B, H, S, D] (one of another rank is left for the shape checks to refuse). */
    Tensor read(Tensor stored) {
        return this == BSHD && stored.rank() == 4 ? stored.permute(0, 2, 1, 3) : stored;
    }

    /** A [B, H, S, D] tensor as this layout stores it. */
    Tensor written(Tensor t) {
        return read(t); // swapping S and H is its own inverse
    }

    /** Random [B, H, S, D] inputs stored in this layout (so that --shape runs the same strided kernels as files do). */
    Tensor stored(Tensor bhsd) {
        return this == BSHD ? read(written(bhsd).contiguous()) : bhsd;
    }
}
