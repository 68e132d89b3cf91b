package dev.attnc.compiler.interp;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.attnc.compiler.TestPrograms;
import dev.attnc.compiler.ir.Attention;
import dev.attnc.kernel.Sizes;
import java.util.Map;
import java.util.Random;
import java.util.function.DoubleSupplier;
import java.util.function.ToDoubleFunction;
import org.junit.jupiter.api.Test;

/** The reference backward against central finite differences of the forward reference. */
class ReferenceBackwardTest {
    private static final Sizes S = new Sizes(1, 2, 1, 5, 6, 4);
    private static final double H = 1e-5;

    @Test
    void plainAttention() {
        check("attention full {}", Bindings.none());
    }

    @Test
    void causalSoftcapWithGroupedHeads() {
        check("attention g(cap: float) { score = cap * tanh(score / cap)\n mask = q >= kv }",
                new Bindings(Map.of("cap", 0.7), Map.of()));
    }

    @Test
    void relativeBiasThroughClampedIndices() {
        double[] bias = random(new Random(3), 2 * 3);
        check("attention r(bias: float[H, 3]) { score = score + bias[h, clamp(kv - q + 1, 0, 2)] * score }",
                new Bindings(Map.of(), Map.of("bias", TensorData.of(bias, 2, 3))));
    }

    @Test
    void sinkPerHeadUnderASlidingWindow() {
        double[] sinks = {0.3, -1.2};
        check("attention s(sinks: float[H]) { mask = q >= kv && q - kv < 2\n normalize = softmax(sink = sinks[h]) }",
                new Bindings(Map.of(), Map.of("sinks", TensorData.of(sinks, 2))), Map.of("sinks", sinks));
    }

    @Test
    void sinkThatReadsTheRowWithEmptyRows() {
        // row 0 keeps nothing: O = 0, LSE = the sink, and dLSE flows into the sink's parameters
        check("attention s(w: float) { mask = kv < q\n normalize = softmax(sink = w * float(q) - 0.5) }",
                new Bindings(Map.of("w", 0.4), Map.of()));
    }

    @Test
    void sigmoidWithAPerHeadBias() {
        double[] bias = {-0.7, 0.2};
        check("attention g(bias: float[H]) { score = score * 1.5\n mask = q >= kv\n normalize = sigmoid(bias = bias[h] - log(float(KV_LEN))) }",
                new Bindings(Map.of(), Map.of("bias", TensorData.of(bias, 2))), Map.of("bias", bias));
    }

    @Test
    void valueDimensionBelowTheKeyDimension() {
        // DeepSeek's MLA shape in small: D = 24 for Q and K, DV = 16 for V, O and dO
        check(new Sizes(1, 2, 1, 5, 6, 24, 16), "attention g(cap: float) { score = cap * tanh(score / cap)\n mask = q >= kv }",
                new Bindings(Map.of("cap", 0.7), Map.of()), Map.of());
    }

    @Test
    void valueDimensionAboveTheKeyDimensionWithASink() {
        double[] sinks = {0.3, -1.2};
        check(new Sizes(1, 2, 2, 4, 5, 4, 10), "attention s(sinks: float[H]) { mask = q >= kv\n normalize = softmax(sink = sinks[h]) }",
                new Bindings(Map.of(), Map.of("sinks", TensorData.of(sinks, 2))), Map.of("sinks", sinks));
    }

    @Test
    void sigmoidWithAScalarBiasAndEmptyRows() {
        check("attention g(beta: float) { mask = kv < q\n normalize = sigmoid(bias = beta * beta) }",
                new Bindings(Map.of("beta", -0.8), Map.of()));
    }

    private static void check(String program, Bindings bindings) {
        check(program, bindings, Map.of());
    }

    private static void check(String program, Bindings bindings, Map<String, double[]> tensors) {
        check(S, program, bindings, tensors);
    }

    /** {@code tensors}: the arrays behind float tensor arguments, perturbed in place to check their gradients. */
    private static void check(Sizes s, String program, Bindings bindings, Map<String, double[]> tensors) {
        Attention a = TestPrograms.optimized(program);
        Random r = new Random(7);
        double[] q = random(r, s.B() * s.H() * s.Q_LEN() * s.D());
        double[] k = random(r, s.B() * s.H_KV() * s.KV_LEN() * s.D());
        double[] v = random(r, s.B() * s.H_KV() * s.KV_LEN() * s.DV());
        double[] dO = random(r, s.B() * s.H() * s.Q_LEN() * s.DV());
        double[] dLse = random(r, s.B() * s.H() * s.Q_LEN());
        double scale = 0.6;
        ReferenceBackward.Grads g = ReferenceBackward.run(a, s, q, k, v, bindings, scale, dO, dLse);
        ToDoubleFunction<Bindings> loss = bb -> {
            Reference.Output o = Reference.run(a, s, q, k, v, bb, scale);
            double l = 0;
            for (int i = 0; i < dO.length; i++) l += o.o()[i] * dO[i];
            // an empty row's LSE is -inf whatever the inputs: a constant, left out of the loss
            for (int i = 0; i < dLse.length; i++) if (o.lse()[i] != Double.NEGATIVE_INFINITY) l += o.lse()[i] * dLse[i];
            return l;
        };
        DoubleSupplier atBindings = () -> loss.applyAsDouble(bindings);
        checkInPlace(q, g.dq(), atBindings, "dq");
        checkInPlace(k, g.dk(), atBindings, "dk");
        checkInPlace(v, g.dv(), atBindings, "dv");
        for (var e : bindings.scalars().entrySet()) {
            if (!(e.getValue() instanceof Double value)) continue;
            double up = loss.applyAsDouble(with(bindings, e.getKey(), value + H));
            double down = loss.applyAsDouble(with(bindings, e.getKey(), value - H));
            assertEquals((up - down) / (2 * H), g.params().get(e.getKey())[0], 1e-6, e.getKey());
        }
        for (var e : tensors.entrySet()) checkInPlace(e.getValue(), g.params().get(e.getKey()), atBindings, e.getKey());
    }

    /** Each element of {@code x}, moved by ±H in place: the central difference of the loss is {@code grad}'s element. */
    private static void checkInPlace(double[] x, double[] grad, DoubleSupplier loss, String name) {
        for (int i = 0; i < x.length; i++) {
            double keep = x[i];
            x[i] = keep + H;
            double up = loss.getAsDouble();
            x[i] = keep - H;
            double down = loss.getAsDouble();
            x[i] = keep;
            assertEquals((up - down) / (2 * H), grad[i], 1e-6, name + "[" + i + "]");
        }
    }

    private static Bindings with(Bindings b, String name, double value) {
        var scalars = new java.util.HashMap<>(b.scalars());
        scalars.put(name, value);
        return new Bindings(scalars, b.tensors());
    }

    private static double[] random(Random r, int n) {
        double[] x = new double[n];
        for (int i = 0; i < n; i++) x[i] = r.nextGaussian();
        return x;
    }
}
