package dev.attnc.compiler.codegen.java;

/**
 * The locals that the kernel's loop declares and the printed IR refers to, named once. None can
 * meet a printed name: those are t0, t1, ... and p0_..., p1_... (see {@link JavaNames}).
 */
final class Skeleton {
    private Skeleton() {}

    /** The method's JavaKernelArgs. */
    static final String ARGS = "args";
    /** Batch and head of the task, the first query row of its tile and the row within it. */
    static final String B = "b", H = "h", ROW0 = "q0", ROW = "i";
    /** The first key of the current key tile and the key within it. */
    static final String COL0 = "kv0", COL = "j";
    /** The query row and key position, the scores of the tile and the index of (i, j) in them. */
    static final String Q = "q", KV = "kv", SCORES = "s", AT = "at";
    /** The incoming score of the current (i, j). */
    static final String SCORE = "score";
    /** A backward kernel's final scores then P, dP then dS then dS·∂s/∂s0 (beside SCORES, the incoming scores), and the pair's dS. */
    static final String PROBS = "p", GRADS = "dp", DS = "ds";
    /**
     * A backward kernel's per-task partial gradient of parameter N ({@code g} and N), the pairs of a vector
     * without a gradient (dS = 0), and a derivative's sums over a row (vector and scalar, {@code rowSums}/{@code rowSum} and k).
     */
    static final String GRADIENT = "g", NO_GRADIENT = "none", ROW_VECTOR_SUM = "rowSums", ROW_SUM = "rowSum";
}
