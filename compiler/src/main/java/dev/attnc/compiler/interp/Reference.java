package dev.attnc.compiler.interp;

import dev.attnc.compiler.ir.Attention;
import dev.attnc.kernel.Sizes;

/**
 * The reference attention: the meaning of the language, computed directly in double precision.
 * For each (b, h, q): s = scale · Q·K (over D), the score function, the mask; P = softmax over
 * the kept keys; O = Σ P·V; LSE = log Σ exp(s) over the kept keys (natural log). A row that keeps
 * nothing (or whose every kept score is -inf) gives O = 0 and LSE = -inf. Non-finite scores mean
 * what they mean to PyTorch's softmax and logsumexp: a NaN kept score makes its row's O and LSE
 * NaN; otherwise a +inf kept score makes O NaN (inf - inf) and LSE +inf. Finite scores are used
 * as they are, however large: the max is subtracted before exp, so 3e38 is an ordinary score.
 * Layout: Q [B, H, Q_LEN, D], K and V [B, H_KV, KV_LEN, D], O [B, H, Q_LEN, D], LSE [B, H, Q_LEN].
 */
public final class Reference {
    private Reference() {}

    public record Output(double[] o, double[] lse) {}

    public static double defaultScale(Sizes s) {
        return 1.0 / Math.sqrt(s.D());
    }

    public static Output run(Attention a, Sizes s, double[] q, double[] k, double[] v, Bindings bindings, double scale) {
        Bindings complete = bindings.complete(a);
        int d = s.D();
        double[] o = new double[s.B() * s.H() * s.Q_LEN() * d];
        double[] lse = new double[s.B() * s.H() * s.Q_LEN()];
        double[] scores = new double[s.KV_LEN()];
        boolean[] kept = new boolean[s.KV_LEN()];
        Evaluator ev = new Evaluator(s, complete);
        for (int b = 0; b < s.B(); b++) {
            for (int h = 0; h < s.H(); h++) {
                int hk = s.kvHead(h);
                for (int i = 0; i < s.Q_LEN(); i++) {
                    int qBase = ((b * s.H() + h) * s.Q_LEN() + i) * d;
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j < s.KV_LEN(); j++) {
                        kept[j] = ev.at(b, h, i, j, 0).evalBool(a.mask());
                        if (!kept[j]) continue;
                        int kBase = ((b * s.H_KV() + hk) * s.KV_LEN() + j) * d;
                        double dot = 0;
                        for (int x = 0; x < d; x++) dot += q[qBase + x] * k[kBase + x];
                        scores[j] = ev.at(b, h, i, j, scale * dot).evalFloat(a.score());
                        max = Math.max(max, scores[j]);
                    }
                    int row = (b * s.H() + h) * s.Q_LEN() + i;
                    if (max == Double.NEGATIVE_INFINITY) {
                        lse[row] = Double.NEGATIVE_INFINITY;
                        continue;
                    }
                    double sum = 0;
                    for (int j = 0; j < s.KV_LEN(); j++) {
                        if (!kept[j]) continue;
                        double p = Math.exp(scores[j] - max);
                        sum += p;
                        int vBase = ((b * s.H_KV() + hk) * s.KV_LEN() + j) * d;
                        for (int x = 0; x < d; x++) o[qBase + x] += p * v[vBase + x];
                    }
                    for (int x = 0; x < d; x++) o[qBase + x] /= sum;
                    lse[row] = max == Double.POSITIVE_INFINITY ? max : max + Math.log(sum); // NaN max: NaN
                }
            }
        }
        return new Output(o, lse);
    }
}
