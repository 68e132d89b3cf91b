package dev.attnc.kernel.cpu;

import dev.attnc.kernel.KeySplits;
import java.util.Arrays;

/**
 * One task of a kernel: a tile of up to blockM query rows of one (b, h), with its running softmax
 * state and output accumulator. The generated code walks the key tiles that the plan lists; for
 * each it calls {@link #scores}, applies the score function and the mask to {@link #scores} in
 * place, and calls {@link #accumulate}; then {@link #finish}.
 * <p>
 * Scores are natural (Q is scaled by scale once); the softmax turns differences from the row max
 * into base 2 ({@link OnlineSoftmax}), so that a score near the float range cannot overflow.
 * The buffers are the worker thread's, reused from task to task (a task never yields its thread).
 */
public final class QueryTile {
    public static final float LOG2E = 1.4426950408889634f;

    public final int b, h;
    /** This task's row of the block plan within its slot: the query tile, or with split-KV query tile · splits + split. */
    public final int qTile;
    /** The first query row and the number of rows (fewer than blockM on the last tile). */
    public final int q0, rows;
    /** S (then P) of the current key tile: [blockM][nPad], row-major. */
    public final float[] scores;

    private final KernelCall call;
    private final int kvHead, tileIndex, split;
    private final float[] query, acc;
    private final OnlineSoftmax softmax;
    /** Whether a key tile has been accumulated yet (the first one overwrites acc, whatever it held). */
    private boolean started;

    QueryTile(KernelCall call, int b, int h, int qTile, int split) {
        this.call = call;
        this.b = b;
        this.h = h;
        this.tileIndex = qTile;
        this.split = split;
        this.qTile = qTile * call.splits + split;
        this.q0 = qTile * call.blockM;
        this.rows = Math.min(call.blockM, call.sizes.Q_LEN() - q0);
        this.kvHead = b * call.sizes.H_KV() + call.sizes.kvHead(h);
        Scratch scratch = Scratch.PER_THREAD.get().fit(call);
        this.scores = scratch.scores;
        this.query = scratch.query;
        this.acc = scratch.acc;
        this.softmax = scratch.softmax;
        softmax.reset();
        float[] q = call.args.q();
        float scale = call.args.scale();
        RowLayout layout = call.args.qLayout();
        for (int r = 0; r < rows; r++) {
            int src = layout.start(b, h, q0 + r), dst = r * call.d;
            for (int x = 0; x < call.d; x++) query[dst + x] = q[src + x] * scale;
        }
    }

    /** S = scale · Q·Kᵀ for key tile {@code kvTile}, into {@link #scores}. */
    public void scores(int kvTile) {
        KernelCall c = call;
        Gemm.multiply(query, 0, c.d, c.keysT, Packing.tileOffset(kvHead, c.kvTiles, kvTile, Packing.tileSize(c.d, c.nPad)),
                Packing.panelStride(c.d), scores, 0, c.nPad, rows, c.nPad, c.d);
    }

    /** Online softmax over the tile's first {@code cols} keys (the rest are past KV_LEN), then O += P·V. */
    public void accumulate(int kvTile, int cols) {
        KernelCall c = call;
        softmax.update(scores, c.nPad, rows, cols);
        int v = Packing.tileOffset(kvHead, c.kvTiles, kvTile, Packing.tileSize(c.blockN, c.dvPad));
        int stride = Packing.panelStride(c.blockN);
        if (started) {
            Gemm.multiplyAdd(scores, 0, c.nPad, c.values, v, stride, acc, 0, c.dvPad, rows, c.dvPad, cols, softmax.alpha());
        } else {
            Gemm.multiply(scores, 0, c.nPad, c.values, v, stride, acc, 0, c.dvPad, rows, c.dvPad, cols);
            started = true;
        }
    }

    /** Row {@code row} of this tile (0-based) gets a sink of logit {@code logit} ({@code normalize = softmax(sink = E)}). */
    public void sink(int row, float logit) {
        // split-KV: the sink is one key of the row, counted in its first split only
        if (split == 0) softmax.sink(row, logit);
    }

    /** Row {@code row} of this tile is weighed by sigmoid(s + bias) ({@code normalize = sigmoid(bias = E)}). */
    public void sigmoid(int row, float bias) {
        softmax.sigmoid(row, bias);
    }

    /**
     * Normalizes and writes this tile's rows of O and LSE; with split-KV, its split's partial rows,
     * and when it is the query tile's last split to finish, O and LSE combined from all of them.
     */
    public void finish() {
        // no key tile visited: acc holds an earlier task's values, and a row with a sink still has l = 1
        if (!started) Arrays.fill(acc, 0, rows * call.dvPad, 0f);
        RowLayout o = call.args.oLayout();
        int bh = b * call.sizes.H() + h, qLen = call.sizes.Q_LEN();
        if (call.splits == 1) {
            softmax.finish(acc, call.dvPad, rows, call.dv, call.args.o(), o.start(b, h, q0), o.rowStride(), call.args.lse(), bh * qLen + q0);
            return;
        }
        int partialRow = (bh * call.splits + split) * qLen + q0;
        softmax.finish(acc, call.dvPad, rows, call.dv, call.partialO, partialRow * call.dv, call.dv, call.partialLse, partialRow);
        if (!call.lastSplit(b, h, tileIndex)) return;
        int first = bh * call.splits * qLen + q0;
        for (int r = 0; r < rows; r++) {
            KeySplits.combineRow(call.partialO, (first + r) * call.dv, qLen * call.dv, call.partialLse, first + r, qLen, call.splits, call.dv,
                    softmax.isSigmoid(), call.args.o(), o.start(b, h, q0 + r), call.args.lse(), bh * qLen + q0 + r);
        }
    }

    /** A worker thread's buffers, grown to the largest tile it has run. */
    private static final class Scratch {
        static final ThreadLocal<Scratch> PER_THREAD = ThreadLocal.withInitial(Scratch::new);

        float[] scores = new float[0], query = new float[0], acc = new float[0];
        OnlineSoftmax softmax = new OnlineSoftmax(0);

        Scratch fit(KernelCall c) {
            if (scores.length < c.blockM * c.nPad) scores = new float[c.blockM * c.nPad];
            if (query.length < c.blockM * c.d) query = new float[c.blockM * c.d];
            if (acc.length < c.blockM * c.dvPad) acc = new float[c.blockM * c.dvPad];
            if (softmax.rows() < c.blockM) softmax = new OnlineSoftmax(c.blockM);
            return this;
        }
    }
}
