package dev.attnc.testkit;

/**
 * Scores at the edges of float, one case per query row, for the tests that every backend gives
 * them the reference's meaning (the attention {@link #SOURCE} reads them from a tensor, so each
 * value reaches the softmax exactly). Rows: 0 uniform at 3e38; 1 half at 3e38, half at -3e38; 2
 * uniform at -3e38; 3 a NaN; 4 a +inf; 5 a +inf and a NaN (NaN); 6 a -inf (a dropped pair); 7 one
 * key at 3e38 takes all; 8 nothing kept; 9 near -FLT_MAX, spread.
 */
public final class ExtremeScores {
    public static final int Q_LEN = 10;
    public static final String SOURCE = "attention given(scores: float[Q_LEN, KV_LEN]) { score = scores[q, kv] }";

    private ExtremeScores() {}

    /** The [Q_LEN, kvLen] scores (kvLen ≥ 37); the rest of a row is 1 or 0 unless the case fills it. */
    public static float[] scores(int kvLen) {
        if (kvLen < 37) throw new IllegalArgumentException("the cases need at least 37 keys");
        float[] s = new float[Q_LEN * kvLen];
        for (int j = 0; j < kvLen; j++) {
            s[j] = 3.0e38f;
            s[kvLen + j] = j % 2 == 0 ? 3.0e38f : -3.0e38f;
            s[2 * kvLen + j] = -3.0e38f;
            s[6 * kvLen + j] = j == 5 ? Float.NEGATIVE_INFINITY : 1;
            s[7 * kvLen + j] = j == 9 ? 3.0e38f : 1;
            s[8 * kvLen + j] = Float.NEGATIVE_INFINITY;
            s[9 * kvLen + j] = -Float.MAX_VALUE + j * 1e32f;
        }
        s[3 * kvLen + 31] = Float.NaN;
        s[4 * kvLen + 17] = Float.POSITIVE_INFINITY;
        s[5 * kvLen + 3] = Float.POSITIVE_INFINITY;
        s[5 * kvLen + 36] = Float.NaN;
        return s;
    }
}
