package dev.attnc.compiler.interp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.attnc.compiler.TestPrograms;
import dev.attnc.compiler.ir.Attention;
import dev.attnc.kernel.Sizes;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The reference attention against cases computed by hand. */
class ReferenceTest {
    private static final double EPS = 1e-12;

    @Test
    void oneQueryTwoKeysByHand() {
        Attention a = TestPrograms.optimized("attention full {}");
        Sizes s = new Sizes(1, 1, 1, 1, 2, 2);
        double[] q = {1, 0};
        double[] k = {1, 0, 0, 1};
        double[] v = {1, 2, 3, 4};
        Reference.Output out = Reference.run(a, s, q, k, v, Bindings.none(), Reference.defaultScale(s));
        double s0 = 1 / Math.sqrt(2);
        double p0 = Math.exp(s0) / (Math.exp(s0) + 1);
        double p1 = 1 - p0;
        assertArrayEquals(new double[] {p0 * 1 + p1 * 3, p0 * 2 + p1 * 4}, out.o(), EPS);
        assertEquals(Math.log(Math.exp(s0) + 1), out.lse()[0], EPS);
    }

    @Test
    void causalFirstRowSeesOnlyKeyZero() {
        Attention a = TestPrograms.optimized("attention c { mask = q >= kv }");
        Sizes s = new Sizes(1, 1, 1, 2, 2, 1);
        Reference.Output out = Reference.run(a, s, new double[] {1, 1}, new double[] {1, 2}, new double[] {10, 20}, Bindings.none(), 1);
        assertEquals(10, out.o()[0], EPS);
        assertEquals(1, out.lse()[0], EPS);
        double p = Math.exp(1) / (Math.exp(1) + Math.exp(2));
        assertEquals(10 * p + 20 * (1 - p), out.o()[1], EPS);
    }

    @Test
    void rowsThatKeepNothingGiveZeroAndMinusInfinity() {
        Attention a = TestPrograms.optimized("attention none_first { mask = kv <= q - 2 }");
        Sizes s = new Sizes(1, 1, 1, 3, 3, 1);
        Reference.Output out = Reference.run(a, s, new double[] {1, 1, 1}, new double[] {1, 1, 1}, new double[] {5, 6, 7}, Bindings.none(), 1);
        assertArrayEquals(new double[] {0, 0, 5}, out.o(), EPS);
        assertEquals(Double.NEGATIVE_INFINITY, out.lse()[0]);
        assertEquals(Double.NEGATIVE_INFINITY, out.lse()[1]);
        assertEquals(1, out.lse()[2], EPS);
    }

    @Test
    void aSinkJoinsTheSoftmaxWithValueZero() {
        // row 0 keeps nothing (O = 0, LSE = the sink); row 1 keeps key 0: P = e^1 / (e^0.5 + e^1)
        Attention a = TestPrograms.optimized("attention s { mask = kv < q\n normalize = softmax(sink = 0.5) }");
        Sizes s = new Sizes(1, 1, 1, 2, 2, 1);
        Reference.Output out = Reference.run(a, s, new double[] {1, 1}, new double[] {1, 2}, new double[] {10, 20}, Bindings.none(), 1);
        assertEquals(0, out.o()[0], EPS);
        assertEquals(0.5, out.lse()[0], EPS);
        assertEquals(10 * Math.exp(1) / (Math.exp(0.5) + Math.exp(1)), out.o()[1], EPS);
        assertEquals(Math.log(Math.exp(0.5) + Math.exp(1)), out.lse()[1], EPS);
    }

    @Test
    void sigmoidWeighsEachPairAlone() {
        // scores 1 and 2, bias -1: O = σ(0)·10 + σ(1)·20, no division; row 0 keeps nothing
        Attention a = TestPrograms.optimized("attention g { mask = kv < q + 1 && q == 1\n normalize = sigmoid(bias = -1.0) }");
        Sizes s = new Sizes(1, 1, 1, 2, 2, 1);
        Reference.Output out = Reference.run(a, s, new double[] {1, 1}, new double[] {1, 2}, new double[] {10, 20}, Bindings.none(), 1);
        double s1 = 1 / (1 + Math.exp(-1.0));
        assertArrayEquals(new double[] {0, 0.5 * 10 + s1 * 20}, out.o(), EPS);
        assertEquals(Double.NEGATIVE_INFINITY, out.lse()[0]);
        assertEquals(Math.log(0.5 + s1), out.lse()[1], EPS);
    }

    @Test
    void groupedQueryHeadsReadTheirKeyValueHead() {
        Attention a = TestPrograms.optimized("attention full {}");
        // H = 4 query heads share H_KV = 2 key/value heads: heads 0,1 read kv head 0; heads 2,3 read kv head 1.
        Sizes s = new Sizes(1, 4, 2, 1, 1, 1);
        double[] q = {1, 1, 1, 1};
        double[] k = {1, 1};
        double[] v = {7, 9};
        Reference.Output out = Reference.run(a, s, q, k, v, Bindings.none(), 1);
        assertArrayEquals(new double[] {7, 7, 9, 9}, out.o(), EPS);
    }

    @Test
    void scoreFunctionsAndTensorsOfTheCaller() {
        Attention a = TestPrograms.optimized("""
                score alibi(slopes: float[H]) = score + slopes[h] * float(kv - q)
                attention x(slopes: float[H]) { score = score |> alibi(slopes) }
                """);
        Sizes s = new Sizes(1, 1, 1, 1, 2, 1);
        Bindings b = new Bindings(Map.of(), Map.of("slopes", TensorData.of(new double[] {0.5}, 1)));
        Reference.Output out = Reference.run(a, s, new double[] {0}, new double[] {0, 0}, new double[] {1, 3}, b, 1);
        // scores: kv=0 → 0, kv=1 → 0.5
        double p0 = 1 / (1 + Math.exp(0.5));
        assertEquals(p0 * 1 + (1 - p0) * 3, out.o()[0], EPS);
    }
}
