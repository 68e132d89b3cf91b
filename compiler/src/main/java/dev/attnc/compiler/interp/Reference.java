package dev.attnc.compiler.interp;

import dev.attnc.compiler.ir.Attention;
import dev.attnc.compiler.ir.Normalization;
import dev.attnc.kernel.Sizes;

/**
 * The reference attention: the meaning of the language, computed directly in double precision.
 * For each (b, h, q): s = scale · Q·K (over D), the score function, the mask; P = the row's
 * weights by the normalisation ({@link #weights}); O = Σ P·V. With softmax, LSE = log Σ exp(s)
 * over the kept keys (natural log), and a row that keeps nothing (or whose every kept score is
 * -inf) gives O = 0 and LSE = -inf. Non-finite scores mean what they mean to PyTorch's softmax and
 * logsumexp: a NaN kept score makes its row's O and LSE NaN; otherwise a +inf kept score makes O
 * NaN (inf - inf) and LSE +inf. Finite scores are used as they are, however large: the max is
 * subtracted before exp, so 3e38 is an ordinary score.
 * Layout: Q [B, H, Q_LEN, D], K [B, H_KV, KV_LEN, D], V [B, H_KV, KV_LEN, DV], O [B, H, Q_LEN, DV],
 * LSE [B, H, Q_LEN] (D is the key dimension, the language's {@code D}; DV the value dimension).
 * <p>
 * Per-sequence lengths ({@code kvLens}, each in [0, KV_LEN]): sequence b has keys kv &lt; kvLens[b]
 * only, and KV_LEN in its score and mask is kvLens[b]; K and V keep their KV_LEN rows (those past a
 * sequence's length are never read). A sequence of length 0 keeps nothing. A tensor parameter
 * whose shape names KV_LEN is read, in sequence b, by its shape at kvLens[b]: the row-major prefix
 * of that size (a per-key array doc[KV_LEN] keeps its meaning for the sequence's keys), which is
 * what lets kernels keep every index proof made over KV_LEN.
 */
public final class Reference {
    private Reference() {}

    public record Output(double[] o, double[] lse) {}

    public static double defaultScale(Sizes s) {
        return 1.0 / Math.sqrt(s.D());
    }

    public static Output run(Attention a, Sizes s, double[] q, double[] k, double[] v, Bindings bindings, double scale) {
        return run(a, s, q, k, v, bindings, scale, null);
    }

    /** With each sequence's own KV_LEN, {@code kvLens[b]} (null: every sequence has s.KV_LEN()). */
    public static Output run(Attention a, Sizes s, double[] q, double[] k, double[] v, Bindings bindings, double scale, int[] kvLens) {
        Bindings complete = bindings.complete(a);
        int dv = s.DV();
        double[] o = new double[s.B() * s.H() * s.Q_LEN() * dv];
        double[] lse = new double[s.B() * s.H() * s.Q_LEN()];
        double[] scores = new double[s.KV_LEN()];
        boolean[] kept = new boolean[s.KV_LEN()];
        double[] p = new double[s.KV_LEN()];
        java.util.Map<Integer, Evaluator> evaluators = new java.util.HashMap<>();
        for (int b = 0; b < s.B(); b++) {
            int len = kvLens == null ? s.KV_LEN() : kvLens[b];
            // a sequence of length 0 evaluates its row values (a sink) as if of length 1: Sizes has no empty length
            Evaluator ev = evaluators.computeIfAbsent(len, l -> sequence(a, s, complete, l));
            for (int h = 0; h < s.H(); h++) {
                int hk = s.kvHead(h);
                for (int i = 0; i < s.Q_LEN(); i++) {
                    scores(a, s, ev, b, h, i, q, k, scale, scores, kept, len);
                    int row = (b * s.H() + h) * s.Q_LEN() + i;
                    int oBase = row * dv;
                    lse[row] = weights(a.normalization(), rowValue(a, ev, b, h, i), scores, kept, p);
                    for (int j = 0; j < s.KV_LEN(); j++) {
                        if (!kept[j]) continue;
                        int vBase = ((b * s.H_KV() + hk) * s.KV_LEN() + j) * dv;
                        for (int x = 0; x < dv; x++) o[oBase + x] += p[j] * v[vBase + x];
                    }
                }
            }
        }
        return new Output(o, lse);
    }

    /** The evaluator of a sequence of {@code len} keys: its KV_LEN, its tensors by their shapes at it ({@link Bindings#atSizes}). */
    private static Evaluator sequence(Attention a, Sizes s, Bindings complete, int len) {
        if (len == s.KV_LEN()) return new Evaluator(s, complete);
        Sizes own = s.withKvLen(Math.max(1, len));
        return new Evaluator(own, complete.atSizes(a, own));
    }

    /** One row's final scores, into {@code scores}, where {@code kept} (also filled) is true. */
    static void scores(Attention a, Sizes s, Evaluator ev, int b, int h, int i, double[] q, double[] k, double scale,
            double[] scores, boolean[] kept) {
        scores(a, s, ev, b, h, i, q, k, scale, scores, kept, s.KV_LEN());
    }

    /** {@link #scores} for a sequence of {@code len} keys: the rest are not kept. */
    private static void scores(Attention a, Sizes s, Evaluator ev, int b, int h, int i, double[] q, double[] k, double scale,
            double[] scores, boolean[] kept, int len) {
        int d = s.D();
        int qBase = ((b * s.H() + h) * s.Q_LEN() + i) * d;
        int hk = s.kvHead(h);
        for (int j = 0; j < s.KV_LEN(); j++) {
            kept[j] = j < len && ev.at(b, h, i, j, 0).evalBool(a.mask());
            if (!kept[j]) continue;
            int kBase = ((b * s.H_KV() + hk) * s.KV_LEN() + j) * d;
            double dot = 0;
            for (int x = 0; x < d; x++) dot += q[qBase + x] * k[kBase + x];
            scores[j] = ev.at(b, h, i, j, scale * dot).evalFloat(a.score());
        }
    }

    /** The row's sink logit or sigmoid bias (NaN for plain softmax, which has none). */
    static double rowValue(Attention a, Evaluator ev, int b, int h, int i) {
        var exprs = a.normalization().exprs();
        return exprs.isEmpty() ? Double.NaN : ev.at(b, h, i, 0, 0).evalFloat(exprs.getFirst());
    }

    /**
     * One row's weights P over its kept keys (into {@code p}; 0 elsewhere) and its second output:
     * softmax: P = exp(s - LSE), LSE = log Σ exp(s); with a sink of logit e, exp(e) joins the sum
     * (a row that keeps nothing: LSE = e); sigmoid with bias e: P = sigmoid(s + e), and log Σ P.
     */
    static double weights(Normalization n, double e, double[] scores, boolean[] kept, double[] p) {
        return switch (n) {
            case Normalization.Softmax s -> softmax(Double.NEGATIVE_INFINITY, scores, kept, p);
            case Normalization.SoftmaxSink s -> softmax(e, scores, kept, p);
            case Normalization.Sigmoid s -> sigmoid(e, scores, kept, p);
        };
    }

    private static double softmax(double sink, double[] scores, boolean[] kept, double[] p) {
        double max = sink;
        for (int j = 0; j < scores.length; j++) if (kept[j]) max = Math.max(max, scores[j]);
        java.util.Arrays.fill(p, 0);
        if (max == Double.NEGATIVE_INFINITY) return max;
        double sum = Math.exp(sink - max);
        for (int j = 0; j < scores.length; j++) {
            if (!kept[j]) continue;
            p[j] = Math.exp(scores[j] - max);
            sum += p[j];
        }
        for (int j = 0; j < scores.length; j++) p[j] /= sum;
        return max == Double.POSITIVE_INFINITY ? max : max + Math.log(sum); // NaN max: NaN
    }

    private static double sigmoid(double bias, double[] scores, boolean[] kept, double[] p) {
        double sum = 0;
        for (int j = 0; j < scores.length; j++) {
            p[j] = kept[j] ? 1 / (1 + Math.exp(-(scores[j] + bias))) : 0;
            sum += p[j];
        }
        return Math.log(sum); // an empty row: log 0 = -inf
    }
}
