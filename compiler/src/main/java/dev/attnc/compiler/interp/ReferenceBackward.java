package dev.attnc.compiler.interp;

import dev.attnc.compiler.grad.Gradient;
import dev.attnc.compiler.grad.Gradient.ScalarGrad;
import dev.attnc.compiler.grad.Gradient.TensorGrad;
import dev.attnc.compiler.ir.Attention;
import dev.attnc.kernel.Sizes;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The reference backward pass: the gradients of {@code sum(O · dO) + sum(LSE · dLSE)} in double
 * precision, from the forward {@link Reference} and the derivatives of {@link Gradient}. For one
 * row: Δ = Σ dO·O − dLSE; for each kept pair P = exp(s − LSE), dV += P·dO, dS = P·(dO·V − Δ),
 * and with g = dS · ∂s/∂s0: dQ += scale·g·K, dK += scale·g·Q; each float parameter the score reads
 * gets dS · ∂s/∂p. A row that keeps nothing contributes nothing. K, V, dK, dV are per KV head, so
 * with grouped-query attention dK and dV sum over the heads of a group. Layouts as {@link Reference}.
 */
public final class ReferenceBackward {
    private ReferenceBackward() {}

    /** dQ, dK, dV, and the gradient of each float parameter with one ({@link Gradient#parameters()}), of its shape, by name. */
    public record Grads(double[] dq, double[] dk, double[] dv, Map<String, double[]> params) {}

    /** {@code dLse} may be null (no gradient flows into LSE). */
    public static Grads run(Attention a, Sizes s, double[] q, double[] k, double[] v, Bindings bindings, double scale,
            double[] dO, double[] dLse) {
        Gradient grad = Gradient.of(a);
        Bindings complete = bindings.complete(a);
        Reference.Output fwd = Reference.run(a, s, q, k, v, bindings, scale);
        int d = s.D();
        double[] dq = new double[q.length];
        double[] dk = new double[k.length];
        double[] dv = new double[v.length];
        Map<String, double[]> params = new LinkedHashMap<>();
        for (ScalarGrad g : grad.scalars()) params.put(g.param(), new double[1]);
        for (TensorGrad g : grad.tensors()) {
            params.computeIfAbsent(g.param(), n -> new double[Math.toIntExact(elements(complete.tensors().get(n).shape()))]);
        }
        Evaluator ev = new Evaluator(s, complete);
        for (int b = 0; b < s.B(); b++) {
            for (int h = 0; h < s.H(); h++) {
                int hk = s.kvHead(h);
                for (int i = 0; i < s.Q_LEN(); i++) {
                    int row = (b * s.H() + h) * s.Q_LEN() + i;
                    double lse = fwd.lse()[row];
                    if (lse == Double.NEGATIVE_INFINITY) continue;
                    int qBase = row * d;
                    double delta = dLse == null ? 0 : -dLse[row];
                    for (int x = 0; x < d; x++) delta += dO[qBase + x] * fwd.o()[qBase + x];
                    for (int j = 0; j < s.KV_LEN(); j++) {
                        if (!ev.at(b, h, i, j, 0).evalBool(a.mask())) continue;
                        int kBase = ((b * s.H_KV() + hk) * s.KV_LEN() + j) * d;
                        double dot = 0;
                        for (int x = 0; x < d; x++) dot += q[qBase + x] * k[kBase + x];
                        ev.at(b, h, i, j, scale * dot);
                        double p = Math.exp(ev.evalFloat(a.score()) - lse);
                        double dp = 0;
                        for (int x = 0; x < d; x++) {
                            dv[kBase + x] += p * dO[qBase + x];
                            dp += dO[qBase + x] * v[kBase + x];
                        }
                        double ds = p * (dp - delta);
                        double g = scale * ds * ev.evalFloat(grad.dScore());
                        for (int x = 0; x < d; x++) {
                            dq[qBase + x] += g * k[kBase + x];
                            dk[kBase + x] += g * q[qBase + x];
                        }
                        for (ScalarGrad sg : grad.scalars()) params.get(sg.param())[0] += ds * ev.evalFloat(sg.derivative());
                        for (TensorGrad tg : grad.tensors()) {
                            params.get(tg.param())[(int) ev.flatIndex(tg.load())] += ds * ev.evalFloat(tg.derivative());
                        }
                    }
                }
            }
        }
        return new Grads(dq, dk, dv, params);
    }

    private static long elements(long[] shape) {
        long n = 1;
        for (long x : shape) n *= x;
        return n;
    }
}
