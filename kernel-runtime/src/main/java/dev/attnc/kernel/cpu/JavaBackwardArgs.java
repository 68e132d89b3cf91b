package dev.attnc.kernel.cpu;

import dev.attnc.kernel.BlockPlan;
import dev.attnc.kernel.Sizes;
import java.util.concurrent.ForkJoinPool;

/**
 * One call of a {@link JavaBackwardKernel}, in float32 whatever the storage type: the forward's
 * inputs (as {@link JavaKernelArgs}), its O and LSE (natural log), dO of O's shape ([B,H,Q_LEN,DV]) and dLSE of LSE's
 * shape or null; dQ [B,H,Q_LEN,D], dK [B,H_KV,KV_LEN,D] and dV [B,H_KV,KV_LEN,DV] to fill (zeroed). Q, K, V, O, dO, dQ, dK
 * and dV lie in their arrays as their {@link RowLayout}s say (arrays may be shared); LSE, dLSE are row-major;
 * {@code paramGrads[i]} the gradient of parameter i (declaration order) to fill, of its shape, zeroed, or null
 * where it has none. {@code plan} is the forward plan transposed ({@link BlockPlan#transposed()}).
 * With {@code atomicParams} the parameter gradients are summed with atomic adds instead of per-task
 * partials reduced in a fixed order.
 */
public record JavaBackwardArgs(Sizes sizes, float scale, float[] q, float[] k, float[] v, float[] o, float[] lse,
        float[] dO, float[] dLse, Object[] params, BlockPlan plan, boolean atomicParams, ForkJoinPool pool,
        float[] dq, float[] dk, float[] dv, float[][] paramGrads, Layouts layouts) {
    /** Where the rows of each [B, heads, len, D] operand lie. */
    public record Layouts(RowLayout q, RowLayout k, RowLayout v, RowLayout o, RowLayout dO, RowLayout dq, RowLayout dk, RowLayout dv) {
        /** Every operand dense and row-major. */
        public static Layouts dense(Sizes s) {
            RowLayout rows = RowLayout.dense(s.H(), s.Q_LEN(), s.D()), keys = RowLayout.dense(s.H_KV(), s.KV_LEN(), s.D());
            RowLayout outRows = RowLayout.dense(s.H(), s.Q_LEN(), s.DV()), values = RowLayout.dense(s.H_KV(), s.KV_LEN(), s.DV());
            return new Layouts(rows, keys, values, outRows, outRows, rows, keys, values);
        }
    }

    /** Every operand dense and row-major. */
    public JavaBackwardArgs(Sizes sizes, float scale, float[] q, float[] k, float[] v, float[] o, float[] lse,
            float[] dO, float[] dLse, Object[] params, BlockPlan plan, boolean atomicParams, ForkJoinPool pool,
            float[] dq, float[] dk, float[] dv, float[][] paramGrads) {
        this(sizes, scale, q, k, v, o, lse, dO, dLse, params, plan, atomicParams, pool, dq, dk, dv, paramGrads, Layouts.dense(sizes));
    }
}
