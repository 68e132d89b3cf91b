package dev.attnc.kernel.cpu;

import static dev.attnc.kernel.cpu.Gemm.F;
import static dev.attnc.kernel.cpu.Gemm.LANES;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;

/**
 * One task of a backward kernel: the key tiles of one (b, h) (all, or a chunk of them), each with the query tiles that the
 * transposed plan lists, as FlashAttention-2's backward walks them. For a key tile the generated
 * code calls {@link #begin}; for each of its query tiles {@link #scores} (S = Q·Kᵀ·scale and
 * dP = dO·Vᵀ), then applies the score function (into {@link #p}) and, on PARTIAL tiles, the mask,
 * calls {@link #gradients} (P = exp(s − LSE), dS = P·(dP − Δ) into {@link #dp}), multiplies dS by
 * ∂s/∂s0 and adds the parameters' contributions ({@link #add}), and calls {@link #accumulate}
 * (dV += Pᵀ·dO, dK += gᵀ·Q·scale, dQ += g·K); then {@link #end}, and after the last key tile
 * {@link #finish}. Everything here is the same for every variant, so the JIT compiles it once.
 * The buffers are the worker thread's, reused from task to task (a task never yields its thread).
 */
public final class KeyTile {
    private static final VarHandle FLOATS = MethodHandles.arrayElementVarHandle(float[].class);

    public final int b, h;
    /** The key tiles of this task: [firstKeyTile, endKeyTile). */
    public final int firstKeyTile, endKeyTile;
    /** The current key tile's first key and key count; the current query tile's first row and row count. */
    public int kv0, cols, q0, rows;
    /** S0 = Q·Kᵀ·scale of the current pair of tiles, [blockM][nPad] row-major (the score function's input). */
    public final float[] s;
    /** The final score of each pair (written by the score function), then P. */
    public final float[] p;
    /** dP = dO·Vᵀ, then dS, then g = dS·∂s/∂s0 (what the dQ and dK products read). */
    public final float[] dp;

    /** With sigmoid weights, each row's bias E of the current query tile ({@link #sigmoid}). */
    private final float[] bias;
    private final BackwardCall call;
    private final int task, head, kvHead;
    private final float[] transposed, dkAcc, dvAcc, dqAcc;
    /** Where {@link #finish} writes this task's dQ: dQ itself, or its chunk's ({@link BackwardCall#finish} adds them). */
    private final float[] dqOut;
    /** Where dqOut's rows lie: dQ's layout for the first chunk, dense for the others. */
    private final RowLayout dqLayout;
    private int kvTile, qTile;

    KeyTile(BackwardCall call, int task, int b, int h, int firstKeyTile, int endKeyTile, float[] dqOut, RowLayout dqLayout) {
        this.call = call;
        this.task = task;
        this.b = b;
        this.h = h;
        this.firstKeyTile = firstKeyTile;
        this.endKeyTile = endKeyTile;
        this.dqOut = dqOut;
        this.dqLayout = dqLayout;
        this.head = b * call.sizes.H() + h;
        this.kvHead = b * call.sizes.H_KV() + call.sizes.kvHead(h);
        Scratch scratch = Scratch.PER_THREAD.get().fit(call);
        this.s = scratch.s;
        this.p = scratch.p;
        this.dp = scratch.dp;
        this.transposed = scratch.transposed;
        this.dkAcc = scratch.dkAcc;
        this.dvAcc = scratch.dvAcc;
        this.dqAcc = scratch.dqAcc;
        this.bias = new float[call.weights == BackwardCall.Weights.SIGMOID ? call.blockM : 0];
        Arrays.fill(dqAcc, 0, call.sizes.Q_LEN() * call.dPad, 0f);
    }

    /** Starts key tile {@code tile}: its dK and dV accumulators from zero. */
    public void begin(int tile) {
        kvTile = tile;
        kv0 = tile * call.blockN;
        cols = Math.min(call.blockN, call.sizes.KV_LEN() - kv0);
        Arrays.fill(dkAcc, 0, cols * call.dPad, 0f);
        Arrays.fill(dvAcc, 0, cols * call.dvPad, 0f);
    }

    /** Query tile {@code tile} against the current key tile: S0 = Q·scale·Kᵀ into {@link #s} and dP = dO·Vᵀ into {@link #dp}. */
    public void scores(int tile) {
        BackwardCall c = call;
        qTile = tile;
        q0 = tile * c.blockM;
        rows = Math.min(c.blockM, c.sizes.Q_LEN() - q0);
        int a = (head * c.sizes.Q_LEN() + q0) * c.d;
        int kt = Packing.tileOffset(kvHead, c.kvTiles, kvTile, Packing.tileSize(c.d, c.nPad));
        Gemm.multiply(c.scaledQ, a, c.d, c.keysT, kt, Packing.panelStride(c.d), s, 0, c.nPad, rows, c.nPad, c.d);
        RowLayout dO = c.args.layouts().dO();
        int vt = Packing.tileOffset(kvHead, c.kvTiles, kvTile, Packing.tileSize(c.dv, c.nPad));
        Gemm.multiply(c.args.dO(), dO.start(b, h, q0), dO.rowStride(), c.valuesT, vt, Packing.panelStride(c.dv), dp, 0, c.nPad, rows, c.nPad, c.dv);
    }

    /**
     * P = exp(score − LSE) into {@link #p} (from {@link #p} when {@code scored}, the score function
     * having written it there, else from {@link #s}) and dS = P·(dP − Δ) into {@link #dp}, a vector
     * of keys at a time; with sigmoid weights P = sigmoid(score + E) (E from {@link #sigmoid}) and
     * dS = P·(1 − P)·(dP − Δ). A masked pair's score is -inf, so its P and dS are 0; a row that keeps
     * nothing (LSE = -inf) gets zeros without computing, since -inf − -inf would be NaN.
     */
    public void gradients(boolean scored) {
        BackwardCall c = call;
        float[] from = scored ? p : s;
        int firstRow = head * c.sizes.Q_LEN() + q0;
        boolean sigmoid = c.weights == BackwardCall.Weights.SIGMOID;
        for (int i = 0, row = 0; i < rows; i++, row += c.nPad) {
            float lse = c.args.lse()[firstRow + i];
            if (lse == Float.NEGATIVE_INFINITY) {
                Arrays.fill(p, row, row + c.nPad, 0f);
                Arrays.fill(dp, row, row + c.nPad, 0f);
                continue;
            }
            FloatVector delta = FloatVector.broadcast(F, c.delta[firstRow + i]);
            if (sigmoid) {
                // P = sigmoid(s + E), dS = P·(1 − P)·(dP − Δ): a masked pair (s = -inf) gets 0
                FloatVector b = FloatVector.broadcast(F, bias[i]);
                for (int j = 0; j < c.nPad; j += LANES) {
                    FloatVector prob = VectorMath.sigmoid(FloatVector.fromArray(F, from, row + j).add(b));
                    prob.intoArray(p, row + j);
                    prob.mul(prob.neg().add(1f)).mul(FloatVector.fromArray(F, dp, row + j).sub(delta)).intoArray(dp, row + j);
                }
                continue;
            }
            FloatVector shift = FloatVector.broadcast(F, lse);
            for (int j = 0; j < c.nPad; j += LANES) {
                FloatVector prob = VectorMath.exp2Guarded(FloatVector.fromArray(F, from, row + j).sub(shift).mul(QueryTile.LOG2E));
                prob.intoArray(p, row + j);
                prob.mul(FloatVector.fromArray(F, dp, row + j).sub(delta)).intoArray(dp, row + j);
            }
        }
    }

    /** Row {@code row} of the current query tile is weighed by sigmoid(s + bias) ({@code normalize = sigmoid(bias = E)}). */
    public void sigmoid(int row, float bias) {
        this.bias[row] = bias;
    }

    /**
     * The gradient of the sink logit E of query row {@code q} (of the whole head, not a tile):
     * −P_sink·Δ with P_sink = e^(E − LSE). A row that keeps nothing has LSE = E, O = 0 and so gets
     * dLSE; 0 where LSE = -inf (E = -inf: the sink weighs nothing).
     */
    public float sinkGradient(int q, float logit) {
        int row = head * call.sizes.Q_LEN() + q;
        float lse = call.args.lse()[row];
        if (lse == Float.NEGATIVE_INFINITY) return 0f;
        return (float) (-Math.exp((double) logit - lse) * call.delta[row]);
    }

    /**
     * This task's partial gradient of parameter {@code param}, to add into ({@link #add}); null with
     * atomics. Generated code fetches it once per task rather than once per pair.
     */
    public float[] partial(int param) {
        if (call.args.atomicParams()) return null;
        float[][] mine = call.partials[task];
        if (mine == null) mine = call.partials[task] = new float[call.args.paramGrads().length][];
        if (mine[param] == null) mine[param] = new float[call.args.paramGrads()[param].length];
        return mine[param];
    }

    /** Adds {@code value} to element {@code index} of parameter {@code param}'s gradient: into {@code partial} ({@link #partial}), or atomically into the result. */
    public void add(float[] partial, int param, int index, float value) {
        if (partial != null) {
            partial[index] += value;
            return;
        }
        float[] out = call.args.paramGrads()[param];
        float old;
        do {
            old = (float) FLOATS.getVolatile(out, index);
        } while (!FLOATS.weakCompareAndSet(out, index, old, old + value));
    }

    /** dV += Pᵀ·dO, dK += gᵀ·(Q·scale) for the key tile, dQ += g·K for the query tile's rows (scaled in {@link #finish}). */
    public void accumulate() {
        BackwardCall c = call;
        int qt = Packing.tileOffset(head, c.qTiles, qTile, Packing.tileSize(c.blockM, c.dPad));
        int qStride = Packing.panelStride(c.blockM);
        transpose(p);
        int dOt = Packing.tileOffset(head, c.qTiles, qTile, Packing.tileSize(c.blockM, c.dvPad));
        Gemm.multiplyAdd(transposed, 0, c.blockM, c.outGrads, dOt, qStride, dvAcc, 0, c.dvPad, cols, c.dvPad, rows, c.ones);
        transpose(dp);
        Gemm.multiplyAdd(transposed, 0, c.blockM, c.queries, qt, qStride, dkAcc, 0, c.dPad, cols, c.dPad, rows, c.ones);
        int kt = Packing.tileOffset(kvHead, c.kvTiles, kvTile, Packing.tileSize(c.blockN, c.dPad));
        Gemm.multiplyAdd(dp, 0, c.nPad, c.keys, kt, Packing.panelStride(c.blockN), dqAcc, q0 * c.dPad, c.dPad, rows, c.dPad, cols, c.ones);
    }

    /** The key tile's rows of dK and dV (of this query head; {@link BackwardCall#finish} sums a group's). */
    public void end() {
        BackwardCall c = call;
        // (b, h) indexes both layouts: per query head with groups, and without them the key/value head itself
        for (int j = 0; j < cols; j++) {
            System.arraycopy(dkAcc, j * c.dPad, c.headDk, c.headDkLayout.start(b, h, kv0 + j), c.d);
            System.arraycopy(dvAcc, j * c.dvPad, c.headDv, c.headDvLayout.start(b, h, kv0 + j), c.dv);
        }
    }

    /** dQ of the head from this task's key tiles: scale · Σ g·K. */
    public void finish() {
        BackwardCall c = call;
        float scale = c.args.scale();
        float[] dq = dqOut;
        for (int i = 0; i < c.sizes.Q_LEN(); i++) {
            int dst = dqLayout.start(b, h, i);
            for (int x = 0; x < c.d; x++) dq[dst + x] = dqAcc[i * c.dPad + x] * scale;
        }
    }

    /** [rows][cols] of a tile ([blockM][nPad]) into {@link #transposed} as [cols][blockM]: the A operand of dV's and dK's products. */
    private void transpose(float[] tile) {
        int ld = call.nPad, m = call.blockM;
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) transposed[j * m + i] = tile[i * ld + j];
        }
    }

    /** A worker thread's buffers, grown to the largest call it has run. */
    private static final class Scratch {
        static final ThreadLocal<Scratch> PER_THREAD = ThreadLocal.withInitial(Scratch::new);

        float[] s = new float[0], p = new float[0], dp = new float[0], transposed = new float[0];
        float[] dkAcc = new float[0], dvAcc = new float[0], dqAcc = new float[0];

        Scratch fit(BackwardCall c) {
            int tile = c.blockM * c.nPad;
            if (s.length < tile) {
                s = new float[tile];
                p = new float[tile];
                dp = new float[tile];
            }
            if (transposed.length < c.blockN * c.blockM) transposed = new float[c.blockN * c.blockM];
            if (dkAcc.length < c.blockN * c.dPad) dkAcc = new float[c.blockN * c.dPad];
            if (dvAcc.length < c.blockN * c.dvPad) dvAcc = new float[c.blockN * c.dvPad];
            if (dqAcc.length < c.sizes.Q_LEN() * c.dPad) dqAcc = new float[c.sizes.Q_LEN() * c.dPad];
            return this;
        }
    }
}
