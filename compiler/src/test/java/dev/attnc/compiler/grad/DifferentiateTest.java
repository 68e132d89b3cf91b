package dev.attnc.compiler.grad;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnc.compiler.TestPrograms;
import dev.attnc.compiler.grad.Gradient.ScalarGrad;
import dev.attnc.compiler.grad.Gradient.TensorGrad;
import dev.attnc.compiler.interp.Bindings;
import dev.attnc.compiler.interp.Evaluator;
import dev.attnc.compiler.interp.TensorData;
import dev.attnc.compiler.ir.Attention;
import dev.attnc.compiler.ir.Expr;
import dev.attnc.compiler.ir.UnaryOp;
import dev.attnc.compiler.passes.Exprs;
import dev.attnc.kernel.Sizes;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.DoubleUnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The differentiation pass, rule by rule, by evaluating the derivative IR with the reference's
 * {@link Evaluator}: away from kinks against central differences of the score itself, and at the
 * points where a function is not differentiable against the values LANGUAGE.md ("Gradients") gives.
 */
class DifferentiateTest {
    private static final Sizes S = new Sizes(1, 2, 1, 3, 4, 1);
    private static final String SIGNATURE = "attention a(w: float, t: float[H, 4]) {\n  score = ";
    private static final double H = 1e-6;

    /** Every operator and built-in, each where it is differentiable: dScore, d$w and each read of t against finite differences. */
    @ParameterizedTest
    @ValueSource(strings = {
        "score + w", "w - score", "score * w", "score / w", "score % w", "-(score * w)",
        "exp(score * w)", "exp2(score)", "log(score * score + w)", "log2(score * score + w)",
        "sqrt(score * score + w)", "rsqrt(score * score + w)", "w * tanh(score / w)", "sigmoid(score * w)",
        "abs(score - w)", "min(score, w)", "max(w, score)", "clamp(score, -w, w)", "max(0.0, score * w)",
        "score * t[h, kv - q]", "t[h, 1] * t[h, 2] + score * t[h, 1]", "score > w ? score * t[h, 0] : w * score",
        "score + float(floor(score * w)) + float(ceil(w)) + float(int(score))", "float(q - kv) * w + score",
        "{ let x = score * w; x * x + exp(x) / (1.0 + x * x) }", "min(score, 1.5) * max(w, t[h, kv]) - score % 0.75",
    })
    void smoothPointsMatchFiniteDifferences(String body) {
        Attention a = TestPrograms.optimized(SIGNATURE + body + "\n}\n");
        Gradient g = Gradient.of(a);
        double[] table = {0.3, -1.1, 0.8, 1.7, -0.4, 0.9, 2.2, -0.6};
        int checked = 0;
        for (double w : new double[] {0.7, 1.9, -1.45}) {
            for (double score : new double[] {-1.3, 0.4, 2.3}) {
                for (int[] p : new int[][] {{0, 0, 0, 0}, {0, 1, 2, 1}, {0, 1, 0, 3}}) {
                    if (body.contains("log") || body.contains("sqrt")) w = Math.abs(w);
                    Bindings bindings = bindings(w, table);
                    Evaluator ev = new Evaluator(S, bindings).at(p[0], p[1], p[2], p[3], score);
                    double at = ev.evalFloat(a.score());
                    double dScore = ev.evalFloat(g.dScore());
                    double fdScore = central(x -> new Evaluator(S, bindings).at(p[0], p[1], p[2], p[3], x).evalFloat(a.score()), score);
                    assertClose(fdScore, dScore, body + " d score at score=" + score + " w=" + w);
                    for (ScalarGrad sg : g.scalars()) {
                        double fd = central(x -> new Evaluator(S, bindings(x, table)).at(p[0], p[1], p[2], p[3], score).evalFloat(a.score()), w);
                        assertClose(fd, ev.evalFloat(sg.derivative()), body + " d $w at score=" + score + " w=" + w);
                    }
                    // one read at a time: the other reads keep their values (two reads of one element add up
                    // in the reference backward, not here)
                    for (TensorGrad tg : g.tensors()) {
                        Map<Expr, Expr> others = new HashMap<>();
                        for (TensorGrad o : g.tensors()) {
                            if (!o.load().equals(tg.load())) others.put(o.load(), new Expr.FloatConst(ev.evalFloat(o.load())));
                        }
                        Expr onlyThisRead = substitute(a.score(), others);
                        int element = (int) ev.flatIndex(tg.load());
                        double keep = table[element];
                        double fd = central(x -> {
                            table[element] = x;
                            double v = new Evaluator(S, bindings).at(p[0], p[1], p[2], p[3], score).evalFloat(onlyThisRead);
                            table[element] = keep;
                            return v;
                        }, keep);
                        assertClose(fd, ev.evalFloat(tg.derivative()), body + " d " + tg.load() + " at score=" + score);
                    }
                    assertTrue(Double.isFinite(at));
                    checked++;
                }
            }
        }
        assertEquals(27, checked);
    }

    @Test
    void absAtZeroPassesZero() {
        Gradient g = gradient("abs(score - w)");
        assertEquals(0.0, dScore(g, 0.5, 0.5), 0.0);
        assertEquals(0.0, dParam(g, "w", 0.5, 0.5), 0.0);
        assertEquals(-1.0, dScore(g, 0.25, 0.5));
        assertEquals(1.0, dParam(g, "w", 0.25, 0.5));
    }

    @Test
    void minAndMaxPassToTheFirstOnATie() {
        for (String f : new String[] {"min", "max"}) {
            Gradient first = gradient(f + "(score, w)");
            assertEquals(1.0, dScore(first, 0.5, 0.5), f);
            assertEquals(0.0, dParam(first, "w", 0.5, 0.5), f);
            Gradient second = gradient(f + "(w, score)");
            assertEquals(0.0, dScore(second, 0.5, 0.5), f);
            assertEquals(1.0, dParam(second, "w", 0.5, 0.5), f);
        }
        // a constant written first stays first through constant folding: at score = 0 the 0.0 is returned
        Gradient relu = gradient("max(0.0, score)");
        assertEquals(0.0, dScore(relu, 0.0, 1.0));
        assertEquals(1.0, dScore(relu, 1e-9, 1.0));
        assertEquals(1.0, dScore(gradient("max(score, 0.0)"), 0.0, 1.0));
    }

    @Test
    void clampPassesToWhatItReturnsTheOperandOnATie() {
        Gradient g = Gradient.of(TestPrograms.optimized("attention a(lo: float, hi: float) {\n  score = clamp(score, lo, hi)\n}\n"));
        Map<String, Object> bounds = Map.of("lo", -1.0, "hi", 2.0);
        double[][] cases = {
            // score, d score, d lo, d hi
            {-1.0, 1, 0, 0}, {2.0, 1, 0, 0}, {0.5, 1, 0, 0}, {-3.0, 0, 1, 0}, {5.0, 0, 0, 1},
        };
        for (double[] c : cases) {
            Evaluator ev = new Evaluator(S, new Bindings(bounds, Map.of())).at(0, 0, 0, 0, c[0]);
            assertEquals(c[1], ev.evalFloat(g.dScore()), "d score at " + c[0]);
            assertEquals(c[2], ev.evalFloat(scalar(g, "lo")), "d lo at " + c[0]);
            assertEquals(c[3], ev.evalFloat(scalar(g, "hi")), "d hi at " + c[0]);
        }
    }

    @Test
    void floorCeilAndIntPassNothingEvenAtTheirSteps() {
        Gradient g = gradient("float(floor(score * w)) + float(ceil(score)) + float(int(score - w))");
        for (double score : new double[] {2.0, 2.5, -1.0}) {
            assertEquals(0.0, dScore(g, score, 1.0));
            assertEquals(0.0, dParam(g, "w", score, 1.0));
        }
        // w is read by the score, through floor only: it has a gradient, and it is zero
        assertEquals(List.of("w"), g.parameters());
    }

    @Test
    void conditionsPassNothing() {
        Gradient g = gradient("score > w ? score : 2.0 * score");
        assertEquals(2.0, dScore(g, 0.5, 0.5), "at the switch the condition is false: the other branch");
        assertEquals(1.0, dScore(g, 0.75, 0.5));
        assertEquals(0.0, dParam(g, "w", 0.5, 0.5));
        assertEquals(0.0, dParam(g, "w", 0.75, 0.5));
    }

    @Test
    void masksIntsAndBoolsHaveNoGradient() {
        Attention a = TestPrograms.optimized("attention a(t: float, n: int, on: bool, ids: int[KV_LEN]) {\n"
                + "  score = score * float(n + ids[kv])\n  mask = on && float(q - kv) < t\n}\n");
        Gradient g = Gradient.of(a);
        assertEquals(List.of(), g.parameters());
        assertEquals(List.of(), g.scalars());
        assertEquals(List.of(), g.tensors());
    }

    @Test
    void tanhsDerivativeReadsTheForwardsTanhNode() {
        Attention a = TestPrograms.optimized("attention a(cap: float) {\n  score = cap * tanh(score / cap)\n}\n");
        Gradient g = Gradient.of(a);
        Expr forwardTanh = find(a.score(), UnaryOp.TANH).getFirst();
        List<Expr> tanhs = find(g.dScore(), UnaryOp.TANH);
        assertEquals(1, tanhs.size(), "one tanh node in the derivative");
        assertSame(forwardTanh, tanhs.getFirst(), "the same object as the forward's: computed once");
    }

    @Test
    void everyReadOfATableIsItsOwnDerivative() {
        Gradient g = gradient("t[h, 0] * score + t[h, kv] * t[h, kv]");
        assertEquals(2, g.tensors().size());
        double[] table = {0.3, -1.1, 0.8, 1.7, -0.4, 0.9, 2.2, -0.6};
        Evaluator ev = new Evaluator(S, bindings(1.0, table)).at(0, 1, 0, 2, 0.5);
        // d/d t[1, 0] = score; d/d t[1, 2] = 2 · t[1, 2] (one read, used twice)
        assertEquals(0.5, ev.evalFloat(g.tensors().get(0).derivative()), 1e-12);
        assertEquals(2 * 2.2, ev.evalFloat(g.tensors().get(1).derivative()), 1e-12);
        assertEquals(6, ev.flatIndex(g.tensors().get(1).load()));
    }

    private static Expr substitute(Expr e, Map<Expr, Expr> replacements) {
        Expr r = replacements.get(e);
        if (r != null) return r;
        return Exprs.withChildren(e, e.children().stream().map(c -> substitute(c, replacements)).toList());
    }

    private static List<Expr> find(Expr root, UnaryOp op) {
        List<Expr> found = new ArrayList<>();
        java.util.Set<Expr> seen = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        java.util.ArrayDeque<Expr> todo = new java.util.ArrayDeque<>(List.of(root));
        while (!todo.isEmpty()) {
            Expr e = todo.pop();
            if (!seen.add(e)) continue;
            if (e instanceof Expr.Unary u && u.op() == op) found.add(e);
            todo.addAll(e.children());
        }
        return found;
    }

    private static Gradient gradient(String body) {
        return Gradient.of(TestPrograms.optimized(SIGNATURE + body + "\n}\n"));
    }

    private static double dScore(Gradient g, double score, double w) {
        return new Evaluator(S, bindings(w, new double[8])).at(0, 0, 0, 0, score).evalFloat(g.dScore());
    }

    private static double dParam(Gradient g, String name, double score, double w) {
        return new Evaluator(S, bindings(w, new double[8])).at(0, 0, 0, 0, score).evalFloat(scalar(g, name));
    }

    private static Expr scalar(Gradient g, String name) {
        return g.scalars().stream().filter(s -> s.param().equals(name)).findFirst().orElseThrow(() -> new AssertionError("no d " + name))
                .derivative();
    }

    private static Bindings bindings(double w, double[] table) {
        return new Bindings(Map.of("w", w), Map.of("t", TensorData.of(table, 2, 4)));
    }

    private static double central(DoubleUnaryOperator f, double x) {
        return (f.applyAsDouble(x + H) - f.applyAsDouble(x - H)) / (2 * H);
    }

    /** A frozen parameter (Attention.withoutGradients) has no derivatives, the others keep theirs; only parameters can be frozen. */
    @Test
    void frozenParametersHaveNoDerivatives() {
        Attention a = TestPrograms.optimized(SIGNATURE + "score * w + t[h, kv] + t[h, q]\n}\n");
        assertEquals(List.of("w", "t"), Gradient.ofBackward(a).parameters());
        Gradient g = Gradient.ofBackward(a.withoutGradients(List.of("t")));
        assertEquals(List.of("w"), g.parameters());
        assertTrue(g.tensors().isEmpty());
        assertEquals(Gradient.of(a).dScore(), g.dScore());
        assertEquals(List.of(), Gradient.of(a.withoutGradients(List.of("w")).withoutGradients(List.of("t"))).parameters());
        assertThrows(IllegalArgumentException.class, () -> a.withoutGradients(List.of("nope")));
    }

    private static void assertClose(double expected, double actual, String what) {
        assertEquals(expected, actual, 1e-5 * Math.max(1, Math.abs(expected)), what);
    }
}
