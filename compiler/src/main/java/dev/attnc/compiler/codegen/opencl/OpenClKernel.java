package dev.attnc.compiler.codegen.opencl;

import dev.attnc.compiler.codegen.KernelSignature;
import dev.attnc.compiler.codegen.c.Storage;
import dev.attnc.compiler.plan.TilePlan;

/**
 * Generated OpenCL C for one attention, storage and head dimension, its arguments and how to launch
 * it. The arguments are {@code signature}'s, bound by name. Launch: global
 * {@code [q_tiles * BLOCK_M, B * H]}, local {@code [BLOCK_M, 1]}, q_tiles = ceil(Q_LEN / BLOCK_M).
 */
public record OpenClKernel(String attention, String source, String entry, Storage storage, int headDim, TilePlan tiles,
        KernelSignature signature) {
    /** The work-group size: one work-item per query row of a tile. */
    public int workGroupSize() {
        return tiles.blockM();
    }
}
