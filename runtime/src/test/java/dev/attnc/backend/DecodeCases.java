package dev.attnc.backend;

import static org.junit.jupiter.api.Assertions.fail;

import dev.attnc.DType;
import dev.attnc.Tensor;
import dev.attnc.compiler.TestPrograms;
import dev.attnc.compiler.interp.Bindings;
import dev.attnc.compiler.interp.Reference;
import dev.attnc.compiler.interp.TensorData;
import dev.attnc.compiler.ir.Attention;
import dev.attnc.compiler.plan.TilePlan;
import dev.attnc.compiler.sparsity.ExactTiles;
import dev.attnc.kernel.BlockPlan;
import dev.attnc.kernel.Sizes;
import dev.attnc.testkit.Repo;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;

/**
 * Decode shapes (issue 18) for every backend: a few query rows against a long, ragged key range,
 * grouped-query heads (8 over 2), every sample and the masks of a decoding model (causal and
 * sliding window with the decode offset q + KV_LEN - Q_LEN, rows that keep nothing, sinks,
 * sigmoid), each against the reference interpreter with its exact block plan. The backend under
 * test is made so that the policy splits the key range (split-KV); {@link #assertSplits} says it does.
 */
public final class DecodeCases {
    /** Q_LEN = 1 against 4099 keys; Q_LEN = 4 (speculative decoding) against 1000: neither a multiple of a tile. */
    public static final List<Sizes> SHAPES = List.of(new Sizes(1, 8, 2, 1, 4099, 64), new Sizes(2, 8, 2, 4, 1000, 64));
    /** Samples whose tensors need Q_LEN == KV_LEN (documents, images, grids): they are no decode step. */
    private static final Set<String> SQUARE_ONLY = Set.of("document", "document_causal", "transfusion", "neighborhood_2d", "neighborhood_3d");

    /** Masks and normalizations of a decoding model, written with the decode offset. */
    static final String DECODE_PROGRAMS = """
            mask causal = q + KV_LEN - Q_LEN >= kv
            attention decode_causal { mask = causal }
            attention decode_window(window: int = 300) { mask = causal && q + KV_LEN - Q_LEN - kv < window }
            attention decode_sink(sinks: float[H]) {
                mask = causal && q + KV_LEN - Q_LEN - kv < 200
                normalize = softmax(sink = sinks[h])
            }
            attention decode_sigmoid { mask = causal; normalize = sigmoid(bias = -3.0) }
            attention decode_rows_empty { mask = causal && q % 2 == 1 }
            attention decode_rows_empty_sink { mask = causal && q % 2 == 1; normalize = softmax(sink = 0.5) }
            attention decode_rows_empty_sigmoid { mask = causal && q % 2 == 1; normalize = sigmoid(bias = 0.0) }
            """;

    private DecodeCases() {}

    public record Case(String label, Attention attention, Sizes sizes, Map<String, Object> scalars, Map<String, Tensor> tensors) {}

    public static List<Case> cases() {
        List<Case> out = new ArrayList<>();
        for (Sizes s : SHAPES) {
            for (Path p : Repo.samples()) {
                String stem = Repo.stem(p);
                if (SQUARE_ONLY.contains(stem)) continue;
                Recipes.Args args = Recipes.args(stem, s, 7);
                for (Attention a : TestPrograms.sampleAttentions(p)) out.add(new Case(a.name() + " " + s, a, s, args.scalars(), args.tensors()));
            }
            var programs = TestPrograms.compile(DECODE_PROGRAMS);
            for (Attention a : programs.attentionNames().stream().map(programs::optimized).toList()) {
                Map<String, Tensor> tensors = a.name().equals("decode_sink")
                        ? Map.of("sinks", Tensor.random(DType.F32, 5, s.H())) : Map.of();
                out.add(new Case(a.name() + " " + s, a, s, Map.of(), tensors));
            }
        }
        return out;
    }

    /** A decode step whose value dimension DV (V's and O's last) is not D (issue 20): Q_LEN = 1, grouped heads, split-KV. */
    public static final Sizes VALUE_DIM_SHAPE = new Sizes(1, 8, 2, 1, 4099, 48, 32);

    /** The windowed decode step with a sink per head at {@link #VALUE_DIM_SHAPE}: its split partials and their combine hold DV values a row. */
    public static void checkValueDimension(TilePlan tiles, Function<KernelRequest, CompiledKernel> compile) {
        var programs = TestPrograms.compile(DECODE_PROGRAMS);
        Sizes s = VALUE_DIM_SHAPE;
        check(new Case("decode_sink " + s, programs.optimized("decode_sink"), s, Map.of(), Map.of("sinks", Tensor.random(DType.F32, 5, s.H()))),
                tiles, compile);
    }

    /** One dynamic test a case: {@code compile} makes the backend's kernel for an attention at these tiles. */
    public static Stream<DynamicTest> tests(TilePlan tiles, Function<KernelRequest, CompiledKernel> compile) {
        return cases().stream().map(c -> DynamicTest.dynamicTest(c.label(), () -> check(c, tiles, compile)));
    }

    static void check(Case c, TilePlan tiles, Function<KernelRequest, CompiledKernel> compile) {
        Sizes s = c.sizes();
        Attention a = c.attention();
        CompiledKernel kernel = compile.apply(new KernelRequest(a, DType.F32, s.D(), s.DV(), tiles));
        Tensor q = Tensor.random(DType.F32, 1, s.B(), s.H(), s.Q_LEN(), s.D());
        Tensor k = Tensor.random(DType.F32, 2, s.B(), s.H_KV(), s.KV_LEN(), s.D());
        Tensor v = Tensor.random(DType.F32, 3, s.B(), s.H_KV(), s.KV_LEN(), s.DV());
        double scale = Reference.defaultScale(s);
        Map<String, TensorData> data = new HashMap<>();
        c.tensors().forEach((name, t) -> data.put(name, view(t)));
        Bindings bindings = new Bindings(c.scalars(), data).complete(a);
        Reference.Output want = Reference.run(a, s, q.toDoubleArray(), k.toDoubleArray(), v.toDoubleArray(), bindings, scale);
        BlockPlan plan = ExactTiles.plan(a, s, bindings, tiles.blockM(), tiles.blockN(), false);
        RunOutputs got = kernel.run(new RunInputs(s, q, k, v, bindings.scalars(), c.tensors(), scale, plan));
        assertClose(want, got, c.label());
    }

    static void assertClose(Reference.Output want, RunOutputs got, String what) {
        double[] o = got.o().toDoubleArray();
        double[] lse = got.lse().toDoubleArray();
        for (int i = 0; i < o.length; i++) {
            double ref = want.o()[i];
            if (!(Math.abs(o[i] - ref) <= 1e-4 * (1 + Math.abs(ref)))) fail(what + ": O[" + i + "] = " + o[i] + " but the reference is " + ref);
        }
        for (int i = 0; i < lse.length; i++) {
            double ref = want.lse()[i];
            boolean ok = ref == Double.NEGATIVE_INFINITY ? lse[i] == Double.NEGATIVE_INFINITY
                    : Math.abs(lse[i] - ref) <= 1e-4 * (1 + Math.abs(ref));
            if (!ok) fail(what + ": LSE[" + i + "] = " + lse[i] + " but the reference is " + ref);
        }
    }

    private static TensorData view(Tensor t) {
        return new TensorData() {
            public long[] shape() { return t.shape(); }
            public double get(long i) { return t.getDouble(i); }
        };
    }
}
