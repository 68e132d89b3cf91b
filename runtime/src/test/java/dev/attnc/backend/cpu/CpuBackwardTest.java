package dev.attnc.backend.cpu;

import static dev.attnc.backend.cpu.BackwardCheck.assertIdentical;
import static dev.attnc.backend.cpu.Fixture.parse;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnc.AttentionKernel;
import dev.attnc.Attnc;
import dev.attnc.DType;
import dev.attnc.Gradients;
import dev.attnc.Result;
import dev.attnc.Tensor;
import dev.attnc.backend.BackwardInputs;
import dev.attnc.backend.BackwardKernel;
import dev.attnc.backend.KernelRequest;
import dev.attnc.backend.RunInputs;
import dev.attnc.backend.RunOutputs;
import dev.attnc.backend.opencl.SampleCases;
import dev.attnc.compiler.TestPrograms;
import dev.attnc.compiler.interp.Reference;
import dev.attnc.compiler.ir.Attention;
import dev.attnc.compiler.plan.TilePlan;
import dev.attnc.kernel.BlockPlan;
import dev.attnc.kernel.Sizes;
import dev.attnc.testkit.Repo;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The Java backward pass against the reference backward: every sample; then small 16 × 16 tiles and ragged lengths,
 * so that every call has several query and key tiles of each kind; grouped-query heads;
 * cross-attention; rows that keep nothing; learnable tables, scalars and every built-in; dLSE;
 * storage dtypes; determinism and atomics.
 */
class CpuBackwardTest {
    private static final TilePlan TILES = new TilePlan(16, 16, 1);
    /** GQA (4 query heads over 2 KV heads), Q_LEN ≠ KV_LEN, neither a tile multiple. */
    private static final Sizes RAGGED = new Sizes(2, 4, 2, 37, 53, 16);

    private static CpuBackend backend;

    @BeforeAll
    static void start() {
        backend = new CpuBackend(new KernelCache(null), 2);
    }

    @AfterAll
    static void stop() {
        backend.close();
    }

    /**
     * Every sample with each of its cases' arguments (SampleCases: ragged lengths, grouped-query
     * heads), float32, the backend's own tiles and the exact plan (the mask runs on PARTIAL tiles only).
     */
    @TestFactory
    Stream<DynamicTest> everySampleMatchesTheReferenceBackward() {
        return Repo.samples().stream().flatMap(p -> TestPrograms.sampleAttentions(p).stream().map(a -> DynamicTest.dynamicTest(a.name(), () -> {
            SampleCases.Sample sm = SampleCases.of(Repo.stem(p));
            for (SampleCases.Case c : sm.cases()) {
                BackwardCheck f = new BackwardCheck(a, sm.sizes(), DType.F32, c.scalars(), c.tensors(), backend.tilePlan(sm.sizes().D()));
                f.check(backend, f.exactPlan(), false, a.name() + " " + c.label());
            }
        })));
    }

    /** A few samples at head dimensions that are no power of two (SampleCases.BACKWARD_HEAD_DIMS), the backend's own tiles. */
    @TestFactory
    Stream<DynamicTest> samplesAtOtherHeadDimensionsMatchTheReferenceBackward() {
        return SampleCases.BACKWARD_HEAD_DIMS.stream().flatMap(d -> SampleCases.BACKWARD_SAMPLES.stream().map(stem ->
                DynamicTest.dynamicTest("D = " + d + " " + stem, () -> {
                    SampleCases.Sample sm = SampleCases.of(stem, d);
                    SampleCases.Case c = sm.cases().getLast();
                    BackwardCheck f = new BackwardCheck(TestPrograms.sample(Repo.sample(stem)), sm.sizes(), DType.F32, c.scalars(),
                            c.tensors(), backend.tilePlan(d));
                    f.check(backend, f.exactPlan(), false, "D = " + d + " " + stem + " " + c.label());
                })));
    }

    /** The backward samples at value dimensions DV other than D (SampleCases.VALUE_DIM_PAIRS): dV and dO [.., DV]. */
    @TestFactory
    Stream<DynamicTest> samplesWithAValueDimensionOtherThanDMatchTheReferenceBackward() {
        return SampleCases.VALUE_DIM_PAIRS.stream().flatMap(pair -> SampleCases.BACKWARD_SAMPLES.stream().map(stem ->
                DynamicTest.dynamicTest("D = " + pair[0] + " DV = " + pair[1] + " " + stem, () -> {
                    SampleCases.Sample sm = SampleCases.of(stem, pair[0], pair[1]);
                    SampleCases.Case c = sm.cases().getLast();
                    BackwardCheck f = new BackwardCheck(TestPrograms.sample(Repo.sample(stem)), sm.sizes(), DType.F32, c.scalars(),
                            c.tensors(), backend.tilePlan(pair[0]));
                    f.check(backend, f.exactPlan(), false, "D = " + pair[0] + " DV = " + pair[1] + " " + stem + " " + c.label());
                })));
    }

    /**
     * A learned sink per head (gpt-oss), with grouped-query heads, dLSE, and rows 4.. that keep
     * nothing: their O is 0 and LSE the sink's logit, so dLSE still reaches the sink; the score
     * reads the same table, so both paths add into one gradient.
     */
    @Test
    void sinkFromAParameter() {
        String source = "attention sinks(sinks: float[H]) { score = score + sinks[h] * 0.5\n mask = kv >= 0 && q <= 3\n"
                + " normalize = softmax(sink = sinks[h] * 2.0 - 1.0) }";
        BackwardCheck c = call(source, RAGGED, Map.of(), Map.of("sinks", Tensor.random(DType.F32, 11, RAGGED.H())));
        bothPlans(c.withDLse(), "sink with empty rows");
        c.check(backend, c.exactPlan(), true, "sink with empty rows, atomic");
        bothPlans(call("attention one(s: float = 0.5) { mask = q >= kv\n normalize = softmax(sink = s * float(q % 3)) }", RAGGED,
                Map.of("s", 0.75), Map.of()), "sink from a scalar");
    }

    /** A learned sigmoid bias per head with dLSE, grouped-query heads and rows that keep nothing (LSE = -inf: no gradient). */
    @Test
    void sigmoidBiasFromAParameter() {
        String source = "attention sig(beta: float[H], c: float = 0.5) { score = score * c\n mask = q <= 3 || q - kv <= 10\n"
                + " normalize = sigmoid(bias = beta[h] * c - log(float(KV_LEN))) }";
        BackwardCheck c = call(source, RAGGED, Map.of("c", 0.75), Map.of("beta", Tensor.random(DType.F32, 12, RAGGED.H())));
        bothPlans(c.withDLse(), "sigmoid bias");
        String empty = "attention sig(beta: float[H]) { mask = kv >= 0 && q <= 3\n normalize = sigmoid(bias = beta[h]) }";
        Gradients g = bothPlans(call(empty, RAGGED, Map.of(), Map.of("beta", Tensor.random(DType.F32, 13, RAGGED.H()))).withDLse(),
                "sigmoid with empty rows");
        for (long i = 4 * RAGGED.D(); i < RAGGED.Q_LEN() * RAGGED.D(); i++) assertEquals(0.0, g.dq().getDouble(i), "dQ of an empty row");
        // a bias that changes from row to row (a per-row value, computed once per row of a tile)
        String perRow = "attention sig(beta: float[H]) { mask = q >= kv\n normalize = sigmoid(bias = beta[h] * float(q % 4) - 2.0) }";
        bothPlans(call(perRow, RAGGED, Map.of(), Map.of("beta", Tensor.random(DType.F32, 14, RAGGED.H()))).withDLse(), "per-row bias");
    }

    private static BackwardCheck call(String source, Sizes s, Map<String, Object> scalars, Map<String, Tensor> tensors) {
        return new BackwardCheck(parse(source), s, DType.F32, scalars, tensors, TILES);
    }

    /** With the exact plan (EMPTY, FULL and PARTIAL tiles) and with every tile PARTIAL. */
    private static Gradients bothPlans(BackwardCheck c, String label) {
        c.check(backend, c.densePlan(), false, label + " dense");
        return c.check(backend, c.exactPlan(), false, label + " exact");
    }

    /** Parameters left without a gradient (Attention.withoutGradients): the others' and dQ, dK, dV as the reference's, none for them. */
    @Test
    void frozenParametersGetNoGradient() {
        Attention a = parse("attention alibi_u(slopes: float[H], u: float) { score = score * u + slopes[h] * float(kv - q)\n mask = q >= kv }");
        for (List<String> frozen : List.of(List.of("slopes"), List.of("u"), List.of("slopes", "u"))) {
            BackwardCheck c = new BackwardCheck(a.withoutGradients(frozen), RAGGED, DType.F32, Map.of("u", 0.3),
                    Map.of("slopes", Tensor.random(DType.F32, 14, RAGGED.H())), TILES);
            Gradients g = bothPlans(c, "frozen " + frozen);
            frozen.forEach(p -> assertFalse(g.params().containsKey(p), p + " has a gradient"));
        }
    }

    /**
     * A session (BackwardKernel's default, the CPU's): each of its runs a whole call, timed, and its gradients those
     * of one run, bit for bit.
     */
    @Test
    void aSessionRunsTheWholeCallEachTime() {
        BackwardCheck c = call("attention causal { mask = q >= kv }", RAGGED, Map.of(), Map.of());
        Gradients once = c.run(backend, c.exactPlan(), false);
        KernelRequest request = new KernelRequest(c.attention, c.dtype, RAGGED.D(), RAGGED.DV(), TILES);
        RunInputs in = new RunInputs(RAGGED, c.q, c.k, c.v, c.bindings().scalars(), c.tensors, Reference.defaultScale(RAGGED), c.exactPlan());
        RunOutputs fwd = backend.compile(request).run(in);
        try (BackwardKernel.Session session = backend.compileBackward(request).session(
                new BackwardInputs(in, fwd.o(), fwd.lse(), c.dO, null, c.exactPlan().transposed(), false))) {
            long[] nanos = session.time(3);
            assertEquals(3, nanos.length);
            for (long n : nanos) assertTrue(n > 0, java.util.Arrays.toString(nanos));
            Gradients repeated = session.gradients();
            assertIdentical("dQ", once.dq(), repeated.dq());
            assertIdentical("dK", once.dk(), repeated.dk());
            assertIdentical("dV", once.dv(), repeated.dv());
        }
    }

    @Test
    void fullAndCausalWithGroupsAndCrossAttention() {
        bothPlans(call("attention full {}", RAGGED, Map.of(), Map.of()), "full");
        bothPlans(call("attention causal { mask = q >= kv }", RAGGED, Map.of(), Map.of()), "causal");
    }

    @Test
    void dLseFlowsIntoTheGradients() {
        bothPlans(call("attention causal { mask = q >= kv }", RAGGED, Map.of(), Map.of()).withDLse(), "causal with dLSE");
    }

    /** Rows 4.. keep nothing (LSE = -inf): they contribute nothing, and no NaN appears (the check rejects NaN). */
    @Test
    void rowsThatKeepNothing() {
        String source = "attention some(bias: float[H]) { score = score + bias[h] * float(q)\n mask = kv >= 0 && q <= 3 }";
        BackwardCheck c = call(source, RAGGED, Map.of(), Map.of("bias", Tensor.random(DType.F32, 7, RAGGED.H())));
        Gradients g = bothPlans(c.withDLse(), "empty rows");
        for (long i = 4 * RAGGED.D(); i < RAGGED.Q_LEN() * RAGGED.D(); i++) assertEquals(0.0, g.dq().getDouble(i), "dQ of an empty row");
    }

    /** A learnable relative-position table read through clamped indices: many pairs add into one element. */
    @Test
    void relativeTableThroughClampedIndices() {
        String source = "attention rel(bias: float[H, 17]) { score = score + bias[h, clamp(kv - q + 8, 0, 16)] * 2.0\n mask = q + 20 >= kv }";
        BackwardCheck c = call(source, RAGGED, Map.of(), Map.of("bias", Tensor.random(DType.F32, 8, RAGGED.H(), 17)));
        Gradients g = bothPlans(c, "relative table");
        assertEquals(List.of(RAGGED.H() * 1L, 17L), List.of(g.params().get("bias").shape()[0], g.params().get("bias").shape()[1]));
    }

    /** A per-(b, h) learnable scale and a scalar: a float[B, H] tensor and a float. */
    @Test
    void perHeadLearnableScalars() {
        String source = "attention temp(t: float[B, H], shift: float = 0.25) { score = score * t[b, h] + shift * float(kv % 3) }";
        BackwardCheck c = call(source, RAGGED, Map.of("shift", 0.5), Map.of("t", Tensor.random(DType.F32, 9, RAGGED.B(), RAGGED.H())));
        Gradients g = bothPlans(c, "per-head scalars");
        assertEquals(1, g.params().get("shift").elementCount());
    }

    /** A score that uses every built-in, ?:, / and %, with a mask that makes PARTIAL tiles. */
    @Test
    void everyBuiltIn() {
        String source = """
                attention all(w: float[H], c: float = 1.5) {
                    score = (kv % 2 == 0 ? exp(score / 4.0) + exp2(score * 0.5) : log(abs(score) + 1.0) + log2(2.0 + sigmoid(score)))
                        + sqrt(score * score + 1.0) * rsqrt(c + 1.0) + tanh(score * w[h]) + min(score, c) + max(score, -c)
                        + clamp(score, -1.0, 1.0) + float(floor(score) + ceil(score * 0.5)) + float(int(score * 3.0)) * 0.1
                        + float(kv / 5 - q % 7) * 0.01 + w[h] * score / c
                    mask = q - kv <= 24 && kv - q <= 30
                }
                """;
        BackwardCheck c = call(source, RAGGED, Map.of(), Map.of("w", Tensor.random(DType.F32, 10, RAGGED.H())));
        bothPlans(c, "every built-in");
    }

    /** Q, K, V, O and dO stored in bfloat16 and float16: dQ, dK, dV come back in that dtype. */
    @Test
    void halfPrecisionStorage() {
        for (DType t : List.of(DType.BF16, DType.F16)) {
            BackwardCheck c = new BackwardCheck(parse("attention causal { mask = q >= kv }"), RAGGED, t, Map.of(), Map.of(), TILES);
            Gradients g = c.check(backend, c.exactPlan(), false, t.displayName());
            assertEquals(t, g.dq().dtype());
            assertEquals(t, g.dk().dtype());
        }
    }

    /** Two runs give the same bits, on one thread and on several; atomics give nearly the same. */
    @Test
    void deterministicUnlessAtomic() {
        String source = "attention rel(bias: float[H, 17], c: float = 0.5) { score = score * c + bias[h, clamp(kv - q + 8, 0, 16)]\n mask = q >= kv }";
        Map<String, Tensor> tensors = Map.of("bias", Tensor.random(DType.F32, 8, RAGGED.H(), 17));
        BackwardCheck c = call(source, RAGGED, Map.of(), tensors);
        BlockPlan plan = c.exactPlan();
        Gradients first = c.run(backend, plan, false);
        try (CpuBackend many = new CpuBackend(new KernelCache(null), 4); CpuBackend one = new CpuBackend(new KernelCache(null), 1)) {
            for (Gradients again : List.of(c.run(backend, plan, false), c.run(many, plan, false), c.run(one, plan, false))) {
                assertIdentical("dQ", first.dq(), again.dq());
                assertIdentical("dK", first.dk(), again.dk());
                assertIdentical("dV", first.dv(), again.dv());
                assertIdentical("d bias", first.params().get("bias"), again.params().get("bias"));
                assertIdentical("d c", first.params().get("c"), again.params().get("c"));
            }
            Gradients atomic = c.check(many, plan, true, "atomic");
            for (String p : List.of("bias", "c")) {
                Tensor a = atomic.params().get(p), d = first.params().get(p);
                for (long i = 0; i < a.elementCount(); i++) {
                    assertEquals(d.getDouble(i), a.getDouble(i), 1e-4 * Math.max(1, Math.abs(d.getDouble(i))), p + "[" + i + "]");
                }
            }
        }
    }

    /** More keys than one task takes (BackwardCall.KEYS_PER_TASK): a head's chunks add their dQ in a fixed order. */
    @Test
    void longKeysSplitIntoChunks() {
        Sizes s = new Sizes(1, 2, 1, 40, 1100, 16);
        String source = "attention rel(bias: float[H, 17]) { score = score + bias[h, clamp(kv - q + 8, 0, 16)]\n mask = kv % 5 != 0 }";
        BackwardCheck c = call(source, s, Map.of(), Map.of("bias", Tensor.random(DType.F32, 8, s.H(), 17)));
        Gradients first = bothPlans(c, "three chunks");
        try (CpuBackend one = new CpuBackend(new KernelCache(null), 1)) {
            Gradients again = c.run(one, c.exactPlan(), false);
            assertIdentical("dQ", first.dq(), again.dq());
            assertIdentical("d bias", first.params().get("bias"), again.params().get("bias"));
        }
    }

    /** The public API: AttentionKernel.backward on the Java target, with the backend's own tiles. */
    @Test
    void throughTheApi() {
        String source = "attention alibi(slopes: float[H]) { score = score + slopes[h] * float(kv - q)\n mask = q >= kv }";
        Sizes s = new Sizes(1, 2, 1, 70, 90, 32);
        Tensor slopes = Tensor.random(DType.F32, 3, s.H());
        BackwardCheck c = new BackwardCheck(parse(source), s, DType.F32, Map.of(), Map.of("slopes", slopes), backend.tilePlan(s.D()));
        try (AttentionKernel kernel = Attnc.compile("t.attn", source).kernel("alibi", backend)) {
            Result fwd = kernel.run(c.q, c.k, c.v, Map.of("slopes", slopes));
            Gradients g = kernel.backward(c.q, c.k, c.v, Map.of("slopes", slopes), fwd.o(), fwd.lse(), c.dO);
            Gradients direct = c.check(backend, c.exactPlan(), false, "api");
            assertIdentical("dK", direct.dk(), g.dk());
            assertTrue(g.kernelNanos() > 0);
        }
    }

    /** The backward kernel is not the forward one, in source and in the cache. */
    @Test
    void backwardKeyedApartFromForward() {
        KernelRequest r = new KernelRequest(parse("attention full {}"), DType.F32, 16, TILES);
        String forward = backend.compile(r).source();
        String backward = backend.compileBackward(r).source();
        assertNotEquals(forward, backward);
        assertNotEquals(KernelKey.of(forward, DType.F32, 16, TILES), KernelKey.backward(forward, DType.F32, 16, TILES));
    }

    @Test
    void refusesABackwardBeyondTheHeapThatTheForwardFits() {
        // Q and K as long as makes the forward's float arrays (Q, O, K, V and two copies) take about half the heap:
        // the backward's gradients and packed copies take more than the rest
        int d = 64;
        int len = (int) Math.min(1 << 30, Runtime.getRuntime().maxMemory() / 2 / (6L * Float.BYTES * d));
        Sizes s = new Sizes(1, 1, 1, len, len, d);
        assertEquals(null, backend.unsupported(s, DType.F32));
        String why = backend.unsupportedBackward(s, DType.F32, new TilePlan(64, 64, 1), 0);
        assertTrue(why != null && why.startsWith("too large: the backward pass's float arrays"), why);
        // small sizes pass, even with a parameter table in every task's partials
        assertEquals(null, backend.unsupportedBackward(new Sizes(2, 4, 2, 300, 300, d), DType.F32, new TilePlan(64, 64, 1), 4 * 599));
    }
}
