package dev.attnc.baseline.handwritten;

/** Argument checks and FLOP counting shared by the handwritten attention baselines. */
public final class AttentionShape {
    private AttentionShape() {
    }

    /** The usual softmax scale, 1/sqrt(D). */
    public static float defaultScale(int headDim) {
        return (float) (1.0 / Math.sqrt(headDim));
    }

    /**
     * Number of (query, key) pairs kept by the mask, summed over all batches and heads.
     * Causal keeps kv &lt;= q + causalOffset.
     */
    public static long keptPairs(int batch, int heads, int qLen, int kvLen, boolean causal, int causalOffset) {
        long perHead;
        if (!causal) {
            perHead = (long) qLen * kvLen;
        } else {
            perHead = 0;
            for (int qi = 0; qi < qLen; qi++) {
                perHead += Math.max(0, Math.min((long) kvLen, (long) qi + causalOffset + 1));
            }
        }
        return perHead * batch * heads;
    }

    /** FLOPs counted as 4·D per kept (query, key) pair (2·D for Q·Kᵀ, 2·D for P·V). */
    public static double flops(int batch, int heads, int qLen, int kvLen, int headDim, boolean causal, int causalOffset) {
        return 4.0 * headDim * keptPairs(batch, heads, qLen, kvLen, causal, causalOffset);
    }

    static void check(float[] q, float[] k, float[] v, float[] o, float[] lse,
                      int batch, int heads, int kvHeads, int qLen, int kvLen, int headDim) {
        if (batch < 0 || heads <= 0 || kvHeads <= 0 || qLen < 0 || kvLen < 0 || headDim <= 0) {
            throw new IllegalArgumentException("bad shape: B=" + batch + " H=" + heads + " H_KV=" + kvHeads
                    + " Q_LEN=" + qLen + " KV_LEN=" + kvLen + " D=" + headDim);
        }
        if (heads % kvHeads != 0) {
            throw new IllegalArgumentException("H=" + heads + " is not a multiple of H_KV=" + kvHeads);
        }
        need("q", q, (long) batch * heads * qLen * headDim);
        need("k", k, (long) batch * kvHeads * kvLen * headDim);
        need("v", v, (long) batch * kvHeads * kvLen * headDim);
        need("o", o, (long) batch * heads * qLen * headDim);
        if (lse != null) {
            need("lse", lse, (long) batch * heads * qLen);
        }
    }

    private static void need(String name, float[] a, long n) {
        if (a == null) {
            throw new NullPointerException(name);
        }
        if (n > Integer.MAX_VALUE || a.length < n) {
            throw new IllegalArgumentException(name + " has " + a.length + " elements, needs " + n);
        }
    }
}
