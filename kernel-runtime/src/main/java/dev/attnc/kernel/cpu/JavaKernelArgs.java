package dev.attnc.kernel.cpu;

import dev.attnc.kernel.Sizes;
import dev.attnc.kernel.BlockPlan;
import java.util.concurrent.ForkJoinPool;

/**
 * One call of a {@link JavaKernel}, in float32 whatever the storage type (the runtime converts Q; K and
 * V are converted as they are packed, from where they lie: {@link RowSource}):
 * Q [B,H,Q_LEN,D], K [B,H_KV,KV_LEN,D], V [B,H_KV,KV_LEN,DV] and O [B,H,Q_LEN,DV] to fill, each in its array as its
 * {@link RowLayout} says (Q, K and V may share one array, as slices of a packed QKV tensor; K and V
 * may be paged), and
 * LSE [B,H,Q_LEN] to fill, row-major. {@code params} holds the attention's parameters in declaration order: Integer, Float
 * or Boolean for scalars, int[], float[] or boolean[] (row-major, of the declared shape) for
 * tensors. The plan's tiles must be the kernel's; the kernel runs on {@code pool}. {@code kvLens}
 * (null: none) gives each sequence's own KV_LEN, at most the call's: sequence b reads keys below it.
 */
public record JavaKernelArgs(Sizes sizes, float scale, float[] q, RowLayout qLayout, RowSource k, RowLayout kLayout,
        RowSource v, RowLayout vLayout, float[] o, RowLayout oLayout, float[] lse, Object[] params, BlockPlan plan, ForkJoinPool pool,
        int[] kvLens) {
    /** Every sequence of the call's full length. */
    public JavaKernelArgs(Sizes sizes, float scale, float[] q, RowLayout qLayout, float[] k, RowLayout kLayout,
            float[] v, RowLayout vLayout, float[] o, RowLayout oLayout, float[] lse, Object[] params, BlockPlan plan, ForkJoinPool pool) {
        this(sizes, scale, q, qLayout, RowSource.of(k), kLayout, RowSource.of(v), vLayout, o, oLayout, lse, params, plan, pool, null);
    }

    /** Every operand dense and row-major. */
    public JavaKernelArgs(Sizes s, float scale, float[] q, float[] k, float[] v, float[] o, float[] lse, Object[] params,
            BlockPlan plan, ForkJoinPool pool) {
        this(s, scale, q, RowLayout.dense(s.H(), s.Q_LEN(), s.D()), k, RowLayout.dense(s.H_KV(), s.KV_LEN(), s.D()),
                v, RowLayout.dense(s.H_KV(), s.KV_LEN(), s.DV()), o, RowLayout.dense(s.H(), s.Q_LEN(), s.DV()), lse, params, plan, pool);
    }

    /** Sequence b's KV_LEN: keys kv below it exist for its queries. */
    public int kvLen(int b) {
        return kvLens == null ? sizes.KV_LEN() : kvLens[b];
    }
}
