package dev.attnc.compiler.codegen.java.kernel;

/**
 * One task of a kernel: a tile of up to blockM query rows of one (b, h), with its running softmax
 * state and output accumulator. The generated code walks the key tiles that the plan lists; for
 * each it calls {@link #scores}, applies the score function and the mask to {@link #scores} in
 * place, and calls {@link #accumulate}; then {@link #finish}.
 * <p>
 * Scores are kept in base 2, s·log2 e (Q is scaled by scale·log2 e once), so that the softmax
 * needs only 2^x: a score function reads {@code s · LN2} and stores its result times {@link #LOG2E}.
 */
public final class QueryTile {
    public static final float LOG2E = 1.4426950408889634f;
    public static final float LN2 = 0.6931471805599453f;

    public final int b, h, qTile;
    /** The first query row and the number of rows (fewer than blockM on the last tile). */
    public final int q0, rows;
    /** S (then P) of the current key tile: [blockM][nPad], row-major. */
    public final float[] scores;

    private final KernelCall call;
    private final int kvHead;
    private final float[] query, acc;
    private final OnlineSoftmax softmax;

    QueryTile(KernelCall call, int b, int h, int qTile) {
        this.call = call;
        this.b = b;
        this.h = h;
        this.qTile = qTile;
        this.q0 = qTile * call.blockM;
        this.rows = Math.min(call.blockM, call.sizes.Q_LEN() - q0);
        this.kvHead = b * call.sizes.H_KV() + call.sizes.kvHead(h);
        this.scores = new float[call.blockM * call.nPad];
        this.query = new float[call.blockM * call.d];
        this.acc = new float[call.blockM * call.dPad];
        this.softmax = new OnlineSoftmax(call.blockM);
        // the scale (and log2 e) is folded into Q once, not applied to every score
        float[] q = call.args.q();
        float scale = call.args.scale() * LOG2E;
        for (int i = 0, src = firstRow() * call.d; i < rows * call.d; i++) query[i] = q[src + i] * scale;
    }

    /** S = scale · log2 e · Q·Kᵀ for key tile {@code kvTile}, into {@link #scores}. */
    public void scores(int kvTile) {
        KernelCall c = call;
        Gemm.multiply(query, 0, c.d, c.keysT, Packing.tileOffset(kvHead, c.kvTiles, kvTile, c.d * c.nPad), c.nPad,
                scores, 0, c.nPad, rows, c.nPad, c.d);
    }

    /**
     * Online softmax over the tile's first {@code cols} keys (the rest are past KV_LEN), then
     * O += P·V. {@code infinite}: some scores may be -inf (a masked tile, or a score function that
     * can give it); false lets the softmax skip its -inf guard.
     */
    public void accumulate(int kvTile, int cols, boolean infinite) {
        KernelCall c = call;
        softmax.update(scores, c.nPad, rows, cols, infinite);
        Gemm.multiplyAdd(scores, 0, c.nPad, c.values, Packing.tileOffset(kvHead, c.kvTiles, kvTile, c.blockN * c.dPad), c.dPad,
                acc, 0, c.dPad, rows, c.dPad, cols, softmax.alpha());
    }

    /** Normalizes and writes this tile's rows of O and LSE. */
    public void finish() {
        int first = firstRow();
        softmax.finish(acc, call.dPad, rows, call.d, call.args.o(), first * call.d, call.args.lse(), first);
    }

    /** The flat row index of q0 in Q, O and LSE. */
    private int firstRow() {
        return (b * call.sizes.H() + h) * call.sizes.Q_LEN() + q0;
    }
}
