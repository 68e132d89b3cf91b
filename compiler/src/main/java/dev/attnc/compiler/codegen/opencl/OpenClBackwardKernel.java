package dev.attnc.compiler.codegen.opencl;

import dev.attnc.compiler.codegen.KernelSignature;
import dev.attnc.compiler.codegen.c.ParamArg;
import dev.attnc.compiler.codegen.c.Storage;
import dev.attnc.compiler.plan.TilePlan;
import java.util.List;

/**
 * The generated OpenCL C of one attention's backward pass: one program of four kernels, each with its
 * signature (bound by name), launched in this order:
 * <ul>
 * <li>{@link #DELTA}: global [B·H·Q_LEN], any work-group size;
 * <li>{@link #DKDV}: global [key tiles · BLOCK_N, B·H_KV], local [BLOCK_N, 1], over the transposed plan;
 * <li>{@link #DQ}: global [q_tiles · BLOCK_M, B·H], local [BLOCK_M, 1], over the forward plan;
 * <li>{@link #REDUCE}: once per parameter in {@code withGradient} (unless atomic), global [its elements].
 * </ul>
 *
 * @param withGradient the parameters that get a gradient, in declaration order
 */
public record OpenClBackwardKernel(String attention, String source, Storage storage, int headDim, TilePlan tiles,
        KernelSignature delta, KernelSignature dkdv, KernelSignature dq, KernelSignature reduce, List<ParamArg> withGradient) {
    public static final String DELTA = "attnc_bwd_delta";
    public static final String DKDV = "attnc_bwd_dkdv";
    public static final String DQ = "attnc_bwd_dq";
    public static final String REDUCE = "attnc_bwd_reduce";

    public OpenClBackwardKernel {
        withGradient = List.copyOf(withGradient);
    }
}
