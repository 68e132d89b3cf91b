package dev.attnc.kernel.cpu;

import dev.attnc.kernel.Sizes;
import dev.attnc.kernel.BlockPlan;
import java.util.concurrent.ForkJoinPool;

/**
 * One call of a {@link JavaKernel}, in float32 whatever the storage type (the runtime converts):
 * Q [B,H,Q_LEN,D], K and V [B,H_KV,KV_LEN,D], O [B,H,Q_LEN,D] and LSE [B,H,Q_LEN] to fill, all
 * row-major. {@code params} holds the attention's parameters in declaration order: Integer, Float
 * or Boolean for scalars, int[], float[] or boolean[] (row-major, of the declared shape) for
 * tensors. The plan's tiles must be the kernel's; the kernel runs on {@code pool}.
 */
public record JavaKernelArgs(Sizes sizes, float scale, float[] q, float[] k, float[] v, float[] o, float[] lse,
        Object[] params, BlockPlan plan, ForkJoinPool pool) {}
