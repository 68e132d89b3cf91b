package dev.attnc.baseline.handwritten;

/**
 * Textbook attention, float32, one query row at a time: S = Q·Kᵀ·scale into a full row buffer, mask,
 * softmax, O = P·V. Sequential and unvectorised on purpose: it is the "how slow is the obvious code"
 * baseline, and a second opinion for the fused kernel's tests.
 *
 * <p>Layout (all row-major): q [B, H, Q_LEN, D], k and v [B, H_KV, KV_LEN, D], o [B, H, Q_LEN, D],
 * lse [B, H, Q_LEN] (natural log). Query head h reads key/value head h / (H / H_KV) (grouped-query
 * attention). A row whose every key is masked gets O = 0 and LSE = -inf.
 */
public final class NaiveAttention {
    private NaiveAttention() {
    }

    /** Full or causal attention with scale 1/sqrt(D) and causal offset 0 (keep kv &lt;= q). */
    public static void forward(float[] q, float[] k, float[] v, float[] o, float[] lse,
                               int batch, int heads, int kvHeads, int qLen, int kvLen, int headDim,
                               boolean causal) {
        forward(q, k, v, o, lse, batch, heads, kvHeads, qLen, kvLen, headDim, causal, 0,
                AttentionShape.defaultScale(headDim));
    }

    /**
     * @param causal       when true keep key kv for query row qi only if kv &lt;= qi + causalOffset
     * @param causalOffset shifts the causal diagonal; ignored when {@code causal} is false
     * @param scale        multiplies Q·Kᵀ before the softmax
     * @param lse          may be null when the log-sum-exp is not wanted
     */
    public static void forward(float[] q, float[] k, float[] v, float[] o, float[] lse,
                               int batch, int heads, int kvHeads, int qLen, int kvLen, int headDim,
                               boolean causal, int causalOffset, float scale) {
        AttentionShape.check(q, k, v, o, lse, batch, heads, kvHeads, qLen, kvLen, headDim);
        final int d = headDim;
        final int group = heads / kvHeads;
        final float[] srow = new float[Math.max(1, kvLen)];
        for (int b = 0; b < batch; b++) {
            for (int h = 0; h < heads; h++) {
                final int bh = b * heads + h;
                final int bhk = b * kvHeads + h / group;
                final int kBase = bhk * kvLen * d;
                for (int qi = 0; qi < qLen; qi++) {
                    final int qRow = (bh * qLen + qi) * d;
                    final int oRow = qRow;
                    // keys kept for this row: [0, kept)
                    int kept = kvLen;
                    if (causal) {
                        long lim = (long) qi + causalOffset + 1;
                        kept = (int) Math.max(0, Math.min(kvLen, lim));
                    }
                    // S = q·kᵀ·scale, masked entries -inf
                    float max = Float.NEGATIVE_INFINITY;
                    for (int kv = 0; kv < kvLen; kv++) {
                        if (kv >= kept) {
                            srow[kv] = Float.NEGATIVE_INFINITY;
                            continue;
                        }
                        float acc = 0f;
                        final int kRow = kBase + kv * d;
                        for (int x = 0; x < d; x++) {
                            acc += q[qRow + x] * k[kRow + x];
                        }
                        float s = acc * scale;
                        srow[kv] = s;
                        if (s > max) {
                            max = s;
                        }
                    }
                    for (int x = 0; x < d; x++) {
                        o[oRow + x] = 0f;
                    }
                    if (max == Float.NEGATIVE_INFINITY) { // every key masked
                        if (lse != null) {
                            lse[bh * qLen + qi] = Float.NEGATIVE_INFINITY;
                        }
                        continue;
                    }
                    // softmax
                    float sum = 0f;
                    for (int kv = 0; kv < kvLen; kv++) {
                        float p = srow[kv] == Float.NEGATIVE_INFINITY ? 0f : (float) Math.exp(srow[kv] - max);
                        srow[kv] = p;
                        sum += p;
                    }
                    final float inv = 1f / sum;
                    // O = P·V
                    for (int kv = 0; kv < kvLen; kv++) {
                        final float p = srow[kv] * inv;
                        if (p == 0f) {
                            continue;
                        }
                        final int vRow = kBase + kv * d;
                        for (int x = 0; x < d; x++) {
                            o[oRow + x] += p * v[vRow + x];
                        }
                    }
                    if (lse != null) {
                        lse[bh * qLen + qi] = max + (float) Math.log(sum);
                    }
                }
            }
        }
    }
}
