package dev.attnc.kernel.cpu;

import dev.attnc.kernel.BlockPlan;
import dev.attnc.kernel.Sizes;

/**
 * One call of a generated backward kernel (FlashAttention-2's backward), before and after its
 * tasks: checks the arguments, computes Δ = rowsum(dO∘O) − dLSE per query row, scales Q once and
 * packs every operand the tiles' products read (Kᵀ and Vᵀ for S and dP, K for dQ, Q and dO per
 * query tile for dK and dV), in parallel, once. Then one task per (b, h) walks its key tiles
 * ({@link KeyTile}); {@link #finish} sums what the tasks left beside each other in a fixed order.
 * <p>
 * Why tasks over (b, h) and not (b, hk): a task owns the dQ rows of its head (no race and no
 * atomics on dQ), and with grouped-query attention the heads of a group run in parallel, each
 * into dK/dV rows of its own; {@link #finish} adds a group's heads in ascending h, so the result
 * does not depend on scheduling. Without groups a head's rows are dK and dV themselves. A long
 * head is split further into chunks of {@link #KEYS_PER_TASK} keys (B·H tasks alone leave cores
 * idle at small batches): each chunk owns its key tiles' dK and dV and leaves a dQ of its own,
 * which {@link #finish} adds chunk by chunk. The chunks depend on the sizes only, never on the
 * number of threads, so the sums are the same bits on any machine.
 */
public final class BackwardCall {
    /** How a row's scores become weights: a softmax (with or without a sink), or a sigmoid per pair. */
    public enum Weights { SOFTMAX, SIGMOID }

    final JavaBackwardArgs args;
    final Weights weights;
    final Sizes sizes;
    /** d: the key dimension D (compiled in), dv: the value dimension DV (V's, O's and dO's last), each with its padded width. */
    final int d, dv, blockM, blockN, dPad, dvPad, nPad, qTiles, kvTiles;
    /** Q·scale [B,H,Q_LEN,D] and Δ per query row. */
    final float[] scaledQ, delta;
    /** Per key/value head and key tile: Kᵀ ([D][nPad] panels), Vᵀ ([DV][nPad]) and K ([blockN][dPad] panels). */
    final float[] keysT, valuesT, keys;
    /** Per (b, h) and query tile: Q·scale ([blockM][dPad] panels) and dO ([blockM][dvPad]). */
    final float[] queries, outGrads;
    /** dK and dV per query head [B,H,KV_LEN,D or DV]: dK and dV themselves (in their layouts) without groups. */
    final float[] headDk, headDv;
    final RowLayout headDkLayout, headDvLayout;
    /** Per task, per parameter position: the task's partial gradient (null: atomics, or no gradient). */
    final float[][][] partials;
    /** All ones: the row scale of a product that only accumulates. */
    final float[] ones;
    /** The keys of one task at most (a whole number of key tiles), and the chunks of a head. */
    static final int KEYS_PER_TASK = 512;
    final int tilesPerTask, chunks;
    /** dQ·(1/scale) of each chunk but the first [chunk - 1][B·H·Q_LEN·D] (the first writes into dQ): none with one chunk. */
    final float[][] chunkDq;

    private BackwardCall(JavaBackwardArgs args, Weights weights, int d, int blockM, int blockN) {
        this.args = args;
        this.weights = weights;
        this.sizes = args.sizes();
        this.d = d;
        this.blockM = blockM;
        this.blockN = blockN;
        this.dv = sizes.DV();
        this.dPad = Gemm.padded(d);
        this.dvPad = Gemm.padded(dv);
        this.nPad = Gemm.padded(blockN);
        this.qTiles = BlockPlan.tiles(sizes.Q_LEN(), blockM);
        this.kvTiles = BlockPlan.tiles(sizes.KV_LEN(), blockN);
        int kvHeads = sizes.B() * sizes.H_KV();
        int heads = sizes.B() * sizes.H();
        this.scaledQ = new float[KernelCall.arrayLength((long) heads * sizes.Q_LEN() * d)];
        this.delta = new float[args.lse().length];
        this.keysT = new float[KernelCall.arrayLength((long) kvHeads * kvTiles * Packing.tileSize(d, nPad))];
        this.valuesT = new float[KernelCall.arrayLength((long) kvHeads * kvTiles * Packing.tileSize(dv, nPad))];
        this.keys = new float[KernelCall.arrayLength((long) kvHeads * kvTiles * Packing.tileSize(blockN, dPad))];
        this.queries = new float[KernelCall.arrayLength((long) heads * qTiles * Packing.tileSize(blockM, dPad))];
        this.outGrads = new float[KernelCall.arrayLength((long) heads * qTiles * Packing.tileSize(blockM, dvPad))];
        boolean grouped = sizes.H() != sizes.H_KV();
        this.headDk = grouped ? new float[KernelCall.arrayLength((long) heads * sizes.KV_LEN() * d)] : args.dk();
        this.headDv = grouped ? new float[KernelCall.arrayLength((long) heads * sizes.KV_LEN() * dv)] : args.dv();
        this.headDkLayout = grouped ? RowLayout.dense(sizes.H(), sizes.KV_LEN(), d) : args.layouts().dk();
        this.headDvLayout = grouped ? RowLayout.dense(sizes.H(), sizes.KV_LEN(), dv) : args.layouts().dv();
        this.tilesPerTask = Math.max(1, KEYS_PER_TASK / blockN);
        this.chunks = (kvTiles + tilesPerTask - 1) / tilesPerTask;
        this.chunkDq = new float[Math.max(0, chunks - 1)][scaledQ.length];
        this.partials = new float[taskCount()][][];
        this.ones = new float[Math.max(blockM, blockN)];
        java.util.Arrays.fill(ones, 1f);
    }

    /**
     * The bytes of the float arrays a call allocates beside its arguments (Q·scale, Δ, the packed
     * operands, dK and dV per query head with groups, the chunks' dQ, each task's parameter partials,
     * as the constructor allocates them), or Long.MAX_VALUE past 2^63: what a backend must refuse
     * up front where it exceeds the heap. {@code paramFloats}: the elements of the parameters that
     * may get a gradient (each task may hold a partial of each).
     */
    public static long extraBytes(Sizes s, int blockM, int blockN, long paramFloats) {
        try {
            int d = s.D(), dPad = Gemm.padded(d), dv = s.DV(), dvPad = Gemm.padded(dv), nPad = Gemm.padded(blockN);
            long heads = (long) s.B() * s.H(), kvHeads = (long) s.B() * s.H_KV();
            long qTiles = BlockPlan.tiles(s.Q_LEN(), blockM), kvTiles = BlockPlan.tiles(s.KV_LEN(), blockN);
            long rows = Math.multiplyExact(heads, (long) s.Q_LEN());
            long qFloats = Math.multiplyExact(rows, (long) d);
            long packedKv = Math.multiplyExact(kvHeads * kvTiles,
                    (long) Packing.tileSize(d, nPad) + Packing.tileSize(dv, nPad) + Packing.tileSize(blockN, dPad));
            long packedQ = Math.multiplyExact(heads * qTiles, (long) Packing.tileSize(blockM, dPad) + Packing.tileSize(blockM, dvPad));
            long headGrads = s.H() == s.H_KV() ? 0 : Math.multiplyExact(heads * s.KV_LEN(), (long) d + dv);
            long tilesPerTask = Math.max(1, KEYS_PER_TASK / blockN);
            long chunks = (kvTiles + tilesPerTask - 1) / tilesPerTask;
            long partials = Math.multiplyExact(heads * chunks, paramFloats);
            long floats = Math.addExact(Math.addExact(Math.addExact(qFloats + rows, packedKv), Math.addExact(packedQ, headGrads)),
                    Math.addExact(Math.multiplyExact(chunks - 1, qFloats), partials));
            return Math.multiplyExact(floats, (long) Float.BYTES);
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE;
        }
    }

    /** Checks {@code args} against a kernel of head dimension d and blockM × blockN (forward) tiles, and prepares the call. */
    public static BackwardCall prepare(JavaBackwardArgs args, Weights weights, int d, int blockM, int blockN) {
        check(args, d, blockM, blockN);
        BackwardCall c = new BackwardCall(args, weights, d, blockM, blockN);
        Sizes s = c.sizes;
        Tasks.forEach(args.pool(), s.B() * s.H(), head -> c.prepareHead(head));
        Tasks.forEach(args.pool(), s.B() * s.H_KV() * c.kvTiles, unit -> {
            int kvHead = unit / c.kvTiles;
            int tile = unit % c.kvTiles;
            int b = kvHead / s.H_KV(), hk = kvHead % s.H_KV();
            RowLayout k = args.layouts().k(), v = args.layouts().v();
            Packing.keysTransposed(args.k(), k.start(b, hk, 0), k.rowStride(), s.KV_LEN(), d, blockN, c.nPad, c.kvTiles, kvHead, tile, c.keysT);
            Packing.keysTransposed(args.v(), v.start(b, hk, 0), v.rowStride(), s.KV_LEN(), c.dv, blockN, c.nPad, c.kvTiles, kvHead, tile,
                    c.valuesT);
            Packing.values(args.k(), k.start(b, hk, 0), k.rowStride(), s.KV_LEN(), d, blockN, c.dPad, c.kvTiles, kvHead, tile, c.keys);
        });
        return c;
    }

    /**
     * Δ, Q·scale and the packed Q and dO tiles of one (b, h). With sigmoid weights dS = P·(1 − P)·(dP − Δ)
     * where Δ = −dLSE·e^(−LSE) (LSE = log Σ P; O passes nothing back to P's row), 0 in a row that keeps nothing.
     */
    private void prepareHead(int head) {
        float[] q = args.q(), o = args.o(), dO = args.dO(), dLse = args.dLse(), lse = args.lse();
        int qLen = sizes.Q_LEN();
        int b = head / sizes.H(), h = head % sizes.H();
        JavaBackwardArgs.Layouts at = args.layouts();
        for (int row = head * qLen; row < (head + 1) * qLen; row++) {
            double sum = dLse == null ? 0 : -dLse[row];
            int r = row - head * qLen, qRow = at.q().start(b, h, r), oRow = at.o().start(b, h, r), dORow = at.dO().start(b, h, r);
            for (int x = 0; x < dv; x++) sum += (double) dO[dORow + x] * o[oRow + x];
            for (int x = 0; x < d; x++) scaledQ[row * d + x] = q[qRow + x] * args.scale();
            if (weights == Weights.SIGMOID) {
                sum = dLse == null || lse[row] == Float.NEGATIVE_INFINITY ? 0 : -dLse[row] * Math.exp(-(double) lse[row]);
            }
            delta[row] = (float) sum;
        }
        for (int tile = 0; tile < qTiles; tile++) {
            Packing.values(scaledQ, head * qLen * d, d, qLen, d, blockM, dPad, qTiles, head, tile, queries);
            Packing.values(dO, at.dO().start(b, h, 0), at.dO().rowStride(), qLen, dv, blockM, dvPad, qTiles, head, tile, outGrads);
        }
    }

    /** One task per (b, h) and chunk of key tiles. */
    public int taskCount() {
        return sizes.B() * sizes.H() * chunks;
    }

    public KeyTile start(int task) {
        int head = task / chunks;
        int chunk = task % chunks;
        int first = chunk * tilesPerTask;
        return new KeyTile(this, task, head / sizes.H(), head % sizes.H(), first, Math.min(kvTiles, first + tilesPerTask),
                chunk == 0 ? args.dq() : chunkDq[chunk - 1], chunk == 0 ? args.layouts().dq() : RowLayout.dense(sizes.H(), sizes.Q_LEN(), d));
    }

    /** dQ of a chunk of one head: into dQ itself for the first chunk, beside it for the others. */
    private void sumChunks() {
        int qLen = sizes.Q_LEN();
        RowLayout at = args.layouts().dq();
        Tasks.forEach(args.pool(), sizes.B() * sizes.H(), head -> {
            float[] dq = args.dq();
            for (float[] other : chunkDq) {
                for (int r = 0; r < qLen; r++) {
                    int dst = at.start(head / sizes.H(), head % sizes.H(), r), src = (head * qLen + r) * d;
                    for (int x = 0; x < d; x++) dq[dst + x] += other[src + x];
                }
            }
        });
    }

    /** After every task: dQ summed over the chunks, dK and dV over each group's heads, and the parameters' partials over the tasks, in a fixed order. */
    public void finish() {
        Sizes s = sizes;
        if (chunks > 1) sumChunks();
        if (headDk != args.dk()) {
            sumGroups(headDk, d, args.dk(), args.layouts().dk());
            sumGroups(headDv, dv, args.dv(), args.layouts().dv());
        }
        if (args.atomicParams()) return;
        float[][] grads = args.paramGrads();
        for (int p = 0; p < grads.length; p++) {
            if (grads[p] == null) continue;
            float[] out = grads[p];
            double[] sum = new double[out.length];
            for (float[][] task : partials) {
                float[] part = task == null ? null : task[p];
                if (part != null) for (int e = 0; e < sum.length; e++) sum[e] += part[e];
            }
            for (int e = 0; e < sum.length; e++) out[e] = (float) sum[e];
        }
    }

    /** dK or dV (rows of {@code width}) of each key/value head: the sum of its group's query heads' rows in {@code perHead}, in ascending h. */
    private void sumGroups(float[] perHead, int width, float[] out, RowLayout at) {
        Sizes s = sizes;
        int group = s.H() / s.H_KV();
        int span = s.KV_LEN() * width;
        Tasks.forEach(args.pool(), s.B() * s.H_KV(), kvHead -> {
            int first = kvHead * group; // b·H + hk·group: the group's first query head
            int b = kvHead / s.H_KV(), hk = kvHead % s.H_KV();
            for (int e = 0; e < span; e++) {
                float sum = 0;
                for (int h = first; h < first + group; h++) sum += perHead[h * span + e];
                out[at.start(b, hk, e / width) + e % width] = sum;
            }
        });
    }

    private static void check(JavaBackwardArgs args, int d, int blockM, int blockN) {
        Sizes s = args.sizes();
        // the transposed plan: rows are key tiles, runs query tiles
        KernelCall.checkPlan(s, d, args.plan(), blockN, blockM, s.KV_LEN(), s.Q_LEN(), 1);
        long rowsQ = (long) s.B() * s.H() * s.Q_LEN();
        JavaBackwardArgs.Layouts at = args.layouts();
        int dv = s.DV();
        boolean rowsFit = KernelCall.fits(args.q(), at.q(), s.B(), s.H(), s.Q_LEN(), d) && KernelCall.fits(args.o(), at.o(), s.B(), s.H(), s.Q_LEN(), dv)
                && KernelCall.fits(args.dO(), at.dO(), s.B(), s.H(), s.Q_LEN(), dv) && KernelCall.fits(args.dq(), at.dq(), s.B(), s.H(), s.Q_LEN(), d);
        boolean keysFit = KernelCall.fits(args.k(), at.k(), s.B(), s.H_KV(), s.KV_LEN(), d)
                && KernelCall.fits(args.v(), at.v(), s.B(), s.H_KV(), s.KV_LEN(), dv)
                && KernelCall.fits(args.dk(), at.dk(), s.B(), s.H_KV(), s.KV_LEN(), d)
                && KernelCall.fits(args.dv(), at.dv(), s.B(), s.H_KV(), s.KV_LEN(), dv);
        if (!rowsFit || !keysFit || args.lse().length != rowsQ || args.dLse() != null && args.dLse().length != rowsQ) {
            throw new IllegalArgumentException("array lengths do not match " + s + " in their layouts");
        }
        if (args.paramGrads().length != args.params().length) {
            throw new IllegalArgumentException(args.paramGrads().length + " parameter gradients for " + args.params().length + " parameters");
        }
    }
}
