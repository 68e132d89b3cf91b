package dev.attnc.compiler.interp;

import dev.attnc.compiler.grad.Gradient;
import dev.attnc.compiler.grad.Gradient.ScalarGrad;
import dev.attnc.compiler.grad.Gradient.TensorGrad;
import dev.attnc.compiler.ir.Attention;
import dev.attnc.compiler.ir.Normalization;
import dev.attnc.kernel.Sizes;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The reference backward pass: the gradients of {@code sum(O · dO) + sum(LSE · dLSE)} in double
 * precision, from the forward {@link Reference} and the derivatives of {@link Gradient}. For one
 * row with weights P ({@link Reference#weights}), each kept pair: dV += P·dO, dP = dO·V, and dS:
 * <ul>
 *   <li>softmax (with or without a sink): Δ = Σ dO·O − dLSE, dS = P·(dP − Δ); a sink of logit E
 *       gets dE = −P_sink·Δ with P_sink = exp(E − LSE) (the sink's value is 0, so O holds no share of it);</li>
 *   <li>sigmoid with bias E: dS = (dP + dLSE·exp(−LSE))·P·(1 − P), since LSE = log Σ P; dE = Σ dS.</li>
 * </ul>
 * Then with g = dS · ∂s/∂s0: dQ += scale·g·K, dK += scale·g·Q; each float parameter the score reads
 * gets dS · ∂s/∂p, and each one E reads gets dE · ∂E/∂p. A row whose second output is -inf
 * contributes nothing. K, V, dK, dV are per KV head, so with grouped-query attention dK and dV sum
 * over the heads of a group. Layouts as {@link Reference}: dO and O [B, H, Q_LEN, DV], dV as V.
 */
public final class ReferenceBackward {
    private ReferenceBackward() {}

    /** dQ, dK, dV, and the gradient of each float parameter with one ({@link Gradient#parameters()}), of its shape, by name. */
    public record Grads(double[] dq, double[] dk, double[] dv, Map<String, double[]> params) {}

    /** {@code dLse} may be null (no gradient flows into LSE). */
    public static Grads run(Attention a, Sizes s, double[] q, double[] k, double[] v, Bindings bindings, double scale,
            double[] dO, double[] dLse) {
        Gradient grad = Gradient.of(a);
        Gradient normGrad = Gradient.ofNormalization(a);
        Bindings complete = bindings.complete(a);
        Reference.Output fwd = Reference.run(a, s, q, k, v, bindings, scale);
        int d = s.D(), dv = s.DV();
        double[] dq = new double[q.length];
        double[] dk = new double[k.length];
        double[] dV = new double[v.length];
        Map<String, double[]> params = new LinkedHashMap<>();
        for (Gradient gr : normGrad == null ? new Gradient[] {grad} : new Gradient[] {grad, normGrad}) {
            for (ScalarGrad g : gr.scalars()) params.computeIfAbsent(g.param(), n -> new double[1]);
            for (TensorGrad g : gr.tensors()) {
                params.computeIfAbsent(g.param(), n -> new double[Math.toIntExact(elements(complete.tensors().get(n).shape()))]);
            }
        }
        double[] scores = new double[s.KV_LEN()];
        boolean[] kept = new boolean[s.KV_LEN()];
        double[] p = new double[s.KV_LEN()];
        boolean sigmoid = a.normalization() instanceof Normalization.Sigmoid;
        Evaluator ev = new Evaluator(s, complete);
        for (int b = 0; b < s.B(); b++) {
            for (int h = 0; h < s.H(); h++) {
                int hk = s.kvHead(h);
                for (int i = 0; i < s.Q_LEN(); i++) {
                    int row = (b * s.H() + h) * s.Q_LEN() + i;
                    double lse = fwd.lse()[row];
                    if (lse == Double.NEGATIVE_INFINITY) continue;
                    int qBase = row * d, oBase = row * dv;
                    double dLseRow = dLse == null ? 0 : dLse[row];
                    double e = Reference.rowValue(a, ev, b, h, i);
                    Reference.scores(a, s, ev, b, h, i, q, k, scale, scores, kept);
                    Reference.weights(a.normalization(), e, scores, kept, p);
                    double delta = -dLseRow;
                    for (int x = 0; x < dv; x++) delta += dO[oBase + x] * fwd.o()[oBase + x];
                    double dE = sigmoid ? 0 : -Math.exp(e - lse) * delta; // NaN (no sink) is not used
                    for (int j = 0; j < s.KV_LEN(); j++) {
                        if (!kept[j]) continue;
                        int kBase = ((b * s.H_KV() + hk) * s.KV_LEN() + j) * d;
                        int vBase = ((b * s.H_KV() + hk) * s.KV_LEN() + j) * dv;
                        double dot = 0;
                        for (int x = 0; x < d; x++) dot += q[qBase + x] * k[kBase + x];
                        ev.at(b, h, i, j, scale * dot);
                        double dp = 0;
                        for (int x = 0; x < dv; x++) {
                            dV[vBase + x] += p[j] * dO[oBase + x];
                            dp += dO[oBase + x] * v[vBase + x];
                        }
                        double ds = sigmoid ? (dp + dLseRow * Math.exp(-lse)) * p[j] * (1 - p[j]) : p[j] * (dp - delta);
                        if (sigmoid) dE += ds;
                        double g = scale * ds * ev.evalFloat(grad.dScore());
                        for (int x = 0; x < d; x++) {
                            dq[qBase + x] += g * k[kBase + x];
                            dk[kBase + x] += g * q[qBase + x];
                        }
                        addParams(grad, ds, ev, params);
                    }
                    if (normGrad != null) addParams(normGrad, dE, ev.at(b, h, i, 0, 0), params);
                }
            }
        }
        return new Grads(dq, dk, dV, params);
    }

    /** Adds {@code upstream} times each parameter derivative of {@code grad}, evaluated at the evaluator's position. */
    private static void addParams(Gradient grad, double upstream, Evaluator ev, Map<String, double[]> params) {
        for (ScalarGrad sg : grad.scalars()) params.get(sg.param())[0] += upstream * ev.evalFloat(sg.derivative());
        for (TensorGrad tg : grad.tensors()) {
            params.get(tg.param())[(int) ev.flatIndex(tg.load())] += upstream * ev.evalFloat(tg.derivative());
        }
    }

    private static long elements(long[] shape) {
        long n = 1;
        for (long x : shape) n *= x;
        return n;
    }
}
