package dev.attnc.tests;

import dev.attnc.testkit.Repo;
import dev.attnc.testkit.Golden;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.attnc.compiler.Compilation;
import dev.attnc.compiler.diag.SourceFile;
import dev.attnc.compiler.interp.Bindings;
import dev.attnc.compiler.interp.Evaluator;
import dev.attnc.kernel.Sizes;
import dev.attnc.compiler.interp.TensorData;
import dev.attnc.compiler.ir.Attention;
import dev.attnc.compiler.ir.Expr;
import dev.attnc.compiler.ir.FactsPrinter;
import dev.attnc.compiler.ir.ParamDecl;
import dev.attnc.compiler.ir.Type;
import dev.attnc.compiler.passes.Pipeline;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The passes keep the meaning of the programs of tests/passes: after every pass, the score and the
 * mask evaluate (with the reference's {@link Evaluator}) as the lowered IR does at every
 * (b, h, q, kv) of a few small shapes, Q_LEN above, equal to and below KV_LEN, and every tensor read
 * that lost its clamp reads inside its tensor. The lit cases pin what each pass prints; this checks
 * that what they print is right.
 */
class PassMeaningTest {
    static final List<Sizes> SHAPES = List.of(new Sizes(1, 2, 2, 6, 6, 1), new Sizes(2, 2, 1, 9, 4, 1), new Sizes(1, 3, 3, 3, 10, 1));
    static final double[] SCORES = {0.75, -1.25, 40.0};

    @TestFactory
    Stream<DynamicTest> everyPassOfEveryCase() throws IOException {
        List<Path> cases;
        try (Stream<Path> s = Files.walk(Repo.root().resolve("tests/passes"))) {
            cases = s.filter(p -> p.toString().endsWith(".attn")).sorted().toList();
        }
        return cases.stream().map(p -> DynamicTest.dynamicTest(Repo.root().relativize(p).toString(), () -> {
            Compilation c = Compilation.of(SourceFile.read(p)).orThrow();
            for (String name : c.attentionNames()) checkEveryPass(c.lowered(name));
        }));
    }

    /**
     * q * 2^30 is negative for q = 2 and q = 3 (32-bit ints wrap, docs/language.md): its bound
     * [0, 2^30 * (Q_LEN - 1)] leaves the int range at the sizes attnc accepts, so it has no range
     * and ranges must not decide q * 1073741824 >= 0 (it once did: true).
     */
    @Test
    void rangesKeepTheMeaningOfWrappingProducts() {
        Attention a = Compilation.of(new SourceFile("wrap.attn", "attention wrap {\n    mask = q * 1073741824 >= 0\n}\n")).orThrow().lowered(null);
        checkEveryPass(a);
    }

    static void checkEveryPass(Attention lowered) {
        for (Sizes s : SHAPES) {
            Bindings bindings = bindings(lowered, s);
            Evaluator want = new Evaluator(s, bindings);
            Evaluator got = new Evaluator(s, bindings);
            for (String pass : Pipeline.passNames()) {
                Attention after = Pipeline.runUntil(lowered, pass);
                List<Expr.Load> unclamped = unclampedLoads(after);
                for (int b = 0; b < s.B(); b++) for (int h = 0; h < s.H(); h++) for (int q = 0; q < s.Q_LEN(); q++) for (int kv = 0; kv < s.KV_LEN(); kv++) {
                    for (double score : SCORES) {
                        String where = "after " + pass + " at b=" + b + " h=" + h + " q=" + q + " kv=" + kv + " score=" + score + " " + s;
                        want.at(b, h, q, kv, score);
                        got.at(b, h, q, kv, score);
                        assertEquals(want.evalBool(lowered.mask()), got.evalBool(after.mask()), "mask " + where);
                        double w = want.evalFloat(lowered.score()), g = got.evalFloat(after.score());
                        assertTrue(w == g || Double.isNaN(w) && Double.isNaN(g), "score " + where + ": " + w + " became " + g);
                        for (Expr.Load l : unclamped) inside(l, got, s, where);
                    }
                }
            }
        }
    }

    private static void inside(Expr.Load l, Evaluator at, Sizes s, String where) {
        Evaluator sizes = new Evaluator(s, Bindings.none());
        for (int i = 0; i < l.indices().size(); i++) {
            int index = (Integer) at.eval(l.indices().get(i));
            int dim = (Integer) sizes.eval(l.tensor().dims().get(i));
            if (index < 0 || index >= dim) fail(FactsPrinter.text(l) + " reads index " + index + " of a dimension of " + dim + " " + where);
        }
    }

    private static List<Expr.Load> unclampedLoads(Attention a) {
        Set<Expr> all = new LinkedHashSet<>();
        collect(a.score(), all);
        collect(a.mask(), all);
        List<Expr.Load> loads = new ArrayList<>();
        for (Expr e : all) if (e instanceof Expr.Load l && !l.clamped()) loads.add(l);
        return loads;
    }

    private static void collect(Expr e, Set<Expr> into) {
        if (into.add(e)) for (Expr c : e.children()) collect(c, into);
    }

    /** Scalars take their defaults (or 3, 1.5, true); tensors hold small values of both signs. */
    static Bindings bindings(Attention a, Sizes s) {
        Map<String, Object> scalars = new HashMap<>();
        Map<String, TensorData> tensors = new HashMap<>();
        Evaluator sizes = new Evaluator(s, Bindings.none());
        for (ParamDecl p : a.params()) {
            switch (p) {
                case ParamDecl.Scalar sc -> scalars.put(sc.name(), sc.defaultValue() != null ? sc.defaultValue()
                        : sc.type() == Type.INT ? (Object) 3 : sc.type() == Type.FLOAT ? (Object) 1.5 : (Object) true);
                case ParamDecl.Tensor t -> {
                    long[] shape = t.tensor().dims().stream().mapToLong(d -> (Integer) sizes.eval(d)).toArray();
                    long n = 1;
                    for (long d : shape) n *= d;
                    double[] values = new double[(int) n];
                    for (int i = 0; i < n; i++) values[i] = t.tensor().elementType() == Type.FLOAT ? (i % 7) * 0.5 - 1.0 : i * 5 % 7 - 2;
                    tensors.put(t.name(), TensorData.of(values, shape));
                }
            }
        }
        return new Bindings(scalars, tensors);
    }
}
