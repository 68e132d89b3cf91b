package dev.attnc.kernel.cpu;

import dev.attnc.kernel.Sizes;
import dev.attnc.kernel.BlockPlan;
import java.util.concurrent.ForkJoinPool;

/**
 * One call of a {@link JavaKernel}, in float32 whatever the storage type (the runtime converts):
 * Q [B,H,Q_LEN,D], K and V [B,H_KV,KV_LEN,D] and O [B,H,Q_LEN,D] to fill, each in its array as its
 * {@link RowLayout} says (Q, K and V may share one array, as slices of a packed QKV tensor), and
 * LSE [B,H,Q_LEN] to fill, row-major. {@code params} holds the attention's parameters in declaration order: Integer, Float
 * or Boolean for scalars, int[], float[] or boolean[] (row-major, of the declared shape) for
 * tensors. The plan's tiles must be the kernel's; the kernel runs on {@code pool}.
 */
public record JavaKernelArgs(Sizes sizes, float scale, float[] q, RowLayout qLayout, float[] k, RowLayout kLayout,
        float[] v, RowLayout vLayout, float[] o, RowLayout oLayout, float[] lse, Object[] params, BlockPlan plan, ForkJoinPool pool) {
    /** Every operand dense and row-major. */
    public JavaKernelArgs(Sizes s, float scale, float[] q, float[] k, float[] v, float[] o, float[] lse, Object[] params,
            BlockPlan plan, ForkJoinPool pool) {
        this(s, scale, q, RowLayout.dense(s.H(), s.Q_LEN(), s.D()), k, RowLayout.dense(s.H_KV(), s.KV_LEN(), s.D()),
                v, RowLayout.dense(s.H_KV(), s.KV_LEN(), s.D()), o, RowLayout.dense(s.H(), s.Q_LEN(), s.D()), lse, params, plan, pool);
    }
}
