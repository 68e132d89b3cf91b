package dev.attnc.compiler.codegen.opencl;

import dev.attnc.compiler.codegen.c.ParamArg;
import dev.attnc.compiler.codegen.c.Storage;
import dev.attnc.compiler.plan.TilePlan;
import java.util.List;

/**
 * Generated OpenCL C for one attention, storage and head dimension, and how to launch it.
 * <p>
 * Arguments, in order: the {@link #FIXED_ARGS} (buffers Q, K, V, O, LSE, run_offsets, run_start,
 * run_end, run_partial as bytes; ints B, H, H_KV, Q_LEN, KV_LEN, plan_b_stride, plan_h_stride;
 * float scale), then {@link #params} in declaration order. Launch: global
 * {@code [q_tiles * BLOCK_M, B * H]}, local {@code [BLOCK_M, 1]}, q_tiles = ceil(Q_LEN / BLOCK_M).
 */
public record OpenClKernel(String attention, String source, String entry, Storage storage, int headDim, TilePlan tiles,
        List<ParamArg> params) {
    public static final List<String> FIXED_ARGS = List.of("Q", "K", "V", "O", "LSE", "run_offsets", "run_start",
            "run_end", "run_partial", "B", "H", "H_KV", "Q_LEN", "KV_LEN", "plan_b_stride", "plan_h_stride", "scale");

    public OpenClKernel {
        params = List.copyOf(params);
    }

    /** The work-group size: one work-item per query row of a tile. */
    public int workGroupSize() {
        return tiles.blockM();
    }
}
