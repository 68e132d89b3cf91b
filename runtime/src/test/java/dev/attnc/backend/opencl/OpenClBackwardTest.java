package dev.attnc.backend.opencl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.attnc.AttentionKernel;
import dev.attnc.Attnc;
import dev.attnc.DType;
import dev.attnc.Gradients;
import dev.attnc.Result;
import dev.attnc.Tensor;
import dev.attnc.backend.BackwardInputs;
import dev.attnc.backend.BackwardKernel;
import dev.attnc.backend.CompiledKernel;
import dev.attnc.backend.KernelRequest;
import dev.attnc.backend.RunInputs;
import dev.attnc.backend.RunOutputs;
import dev.attnc.compiler.TestPrograms;
import dev.attnc.compiler.interp.Bindings;
import dev.attnc.compiler.interp.Reference;
import dev.attnc.compiler.interp.ReferenceBackward;
import dev.attnc.compiler.interp.TensorData;
import dev.attnc.compiler.ir.Attention;
import dev.attnc.compiler.plan.TilePlan;
import dev.attnc.compiler.sparsity.ExactTiles;
import dev.attnc.kernel.BlockPlan;
import dev.attnc.kernel.Sizes;
import dev.attnc.testkit.Repo;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The OpenCL backward pass against the reference backward (double precision) at sizes that are not
 * tile multiples, with grouped-query heads and Q_LEN ≠ KV_LEN: every sample (its recipe's
 * arguments), and the cases of the backward's brief (rows that keep nothing, a learnable table read
 * through clamped indices, per-(b, h) learnable scalars, every built-in), reproducibility and atomics.
 */
class OpenClBackwardTest {
    /** Small and ragged: 2 KV heads for 4 query heads, 37 queries against 53 keys. */
    static final Sizes SMALL = new Sizes(2, 4, 2, 37, 53, 16);

    /** ALiBi whose score also has a learnable scalar: either, both or neither may be frozen. */
    static final String FROZEN = """
            attention alibi_u(slopes: float[H], u: float) {
                score = score * u + slopes[h] * float(kv - q)
                mask = q >= kv
            }
            """;

    static final String TABLE = """
            attention rel(bias: float[H, 17]) {
                score = score + bias[h, clamp(kv - q + 8, 0, 16)]
                mask = kv <= q + 20
            }
            """;

    @TestFactory
    Stream<DynamicTest> everySampleMatchesTheReferenceBackward() {
        TestDevice.assumeAvailable();
        return Repo.samples().stream().flatMap(p -> TestPrograms.sampleAttentions(p).stream().map(a -> DynamicTest.dynamicTest(a.name(), () -> {
            SampleCases.Sample sm = SampleCases.of(Repo.stem(p));
            SampleCases.Case c = sm.cases().getLast();
            // the forward test's sizes at D = 16: PoCL compiles a small head dimension faster
            Sizes s = sm.sizes();
            check(a.name(), a, new Sizes(s.B(), s.H(), s.H_KV(), s.Q_LEN(), s.KV_LEN(), 16), DType.F32, c.scalars(), c.tensors(), true);
        })));
    }

    /**
     * A sink read from a parameter that the score reads too, with dLSE and rows that keep nothing
     * (their O is 0 and LSE the sink's logit: dLSE still reaches the sink); atomics too.
     */
    @Test
    void aSinkFromAParameterWithEmptyRows() {
        Attention a = TestPrograms.optimized("""
                attention sinks(sinks: float[H]) {
                    score = score + sinks[h] * 0.5
                    mask = kv >= 0 && (q < 9 || q >= 30)
                    normalize = softmax(sink = sinks[h] * 2.0 - 1.0)
                }
                """);
        check("sinks", a, SMALL, DType.F32, Map.of(), Map.of("sinks", random(11, 4)), true);
        Run r = Run.prepare(a, SMALL, DType.F32, Map.of(), Map.of("sinks", random(11, 4)), true);
        assertClose("atomic d sinks", r.backward(false).params().get("sinks").toDoubleArray(),
                r.backward(true).params().get("sinks").toDoubleArray(), 1e-4);
    }

    /** A sigmoid whose bias reads a per-head parameter and a scalar, with dLSE and rows that keep nothing. */
    @Test
    void aSigmoidBiasFromAParameterWithEmptyRows() {
        Attention a = TestPrograms.optimized("""
                attention sig(beta: float[H], c: float = 0.5) {
                    score = score * c
                    mask = (q < 9 || q >= 30) && kv <= q + 12
                    normalize = sigmoid(bias = beta[h] * c - log(float(KV_LEN)))
                }
                """);
        Gradients g = check("sigmoid", a, SMALL, DType.F32, Map.of("c", 0.75), Map.of("beta", random(12, 4)), true);
        for (int d = 0; d < SMALL.D(); d++) assertEquals(0.0, g.dq().getDouble(15L * SMALL.D() + d));
        Attention perRow = TestPrograms.optimized("""
                attention sig(beta: float[H]) {
                    mask = q >= kv
                    normalize = sigmoid(bias = beta[h] * float(q % 4) - 2.0)
                }
                """);
        check("per-row bias", perRow, SMALL, DType.F32, Map.of(), Map.of("beta", random(14, 4)), true);
    }

    /** A few samples at head dimensions that are no power of two (SampleCases.BACKWARD_HEAD_DIMS), with dLSE. */
    @TestFactory
    Stream<DynamicTest> samplesAtOtherHeadDimensionsMatchTheReferenceBackward() {
        TestDevice.assumeAvailable();
        return SampleCases.BACKWARD_HEAD_DIMS.stream().flatMap(d -> SampleCases.BACKWARD_SAMPLES.stream().map(stem ->
                DynamicTest.dynamicTest("D = " + d + " " + stem, () -> {
                    SampleCases.Sample sm = SampleCases.of(stem, d);
                    SampleCases.Case c = sm.cases().getLast();
                    check("D = " + d + " " + stem, TestPrograms.sample(Repo.sample(stem)), sm.sizes(), DType.F32,
                            c.scalars(), c.tensors(), true);
                })));
    }

    /**
     * Value dimensions DV other than D (dO, dV and V [.., DV]): the soft-capped window at (D, DV) = (48, 32),
     * the learnable bias table (its gradient too) at (32, 48); the Java backend runs every backward sample at both.
     */
    @TestFactory
    Stream<DynamicTest> samplesWithAValueDimensionOtherThanDMatchTheReferenceBackward() {
        TestDevice.assumeAvailable();
        List<String> stems = List.of("gemma2", "t5_bias");
        return java.util.stream.IntStream.range(0, stems.size()).mapToObj(i -> {
            int[] pair = SampleCases.VALUE_DIM_PAIRS.get(i);
            String stem = stems.get(i);
            return DynamicTest.dynamicTest("D = " + pair[0] + " DV = " + pair[1] + " " + stem, () -> {
                SampleCases.Sample sm = SampleCases.of(stem, pair[0], pair[1]);
                SampleCases.Case c = sm.cases().getLast();
                check("D = " + pair[0] + " DV = " + pair[1] + " " + stem, TestPrograms.sample(Repo.sample(stem)), sm.sizes(), DType.F32,
                        c.scalars(), c.tensors(), true);
            });
        });
    }

    @Test
    void rowsThatKeepNothingContributeNothingAndNoNaN() {
        Attention a = TestPrograms.optimized("""
                attention holes(w: float[H]) {
                    score = score * w[h]
                    mask = (q < 9 || q >= 30) && kv >= q - 12 && q % 7 != 3
                }
                """);
        Gradients g = check("holes", a, SMALL, DType.F32, Map.of(), Map.of("w", random(5, 4)), true);
        // rows 9..29 keep nothing: their dQ is exactly zero
        for (int d = 0; d < SMALL.D(); d++) assertEquals(0.0, g.dq().getDouble(15L * SMALL.D() + d));
    }

    @Test
    void aLearnableTableThroughClampedIndicesInEveryStorage() {
        Attention a = TestPrograms.optimized(TABLE);
        for (DType t : new DType[] {DType.F32, DType.F16, DType.BF16}) {
            check("table " + t, a, SMALL, t, Map.of(), Map.of("bias", random(6, 4, 17)), false);
        }
    }

    @Test
    void perHeadLearnableScalarsAndAScalar() {
        Attention a = TestPrograms.optimized("""
                attention bh(t: float[B, H], u: float) {
                    score = score * t[b, h] + u * float(kv - q) * 0.05
                    mask = q >= kv - 5
                }
                """);
        check("per (b, h)", a, SMALL, DType.F32, Map.of("u", 0.3), Map.of("t", random(7, 2, 4)), true);
    }

    @Test
    void everyBuiltIn() {
        Attention a = TestPrograms.optimized("""
                score every(c: float, w: float[B, H]) = {
                    let u = score * w[b, h]
                    let e = exp(u * 0.1) + exp2(u * 0.1) + log(abs(u) + 1.0) + log2(abs(u) + 2.0)
                    let r = sqrt(abs(u) + 1.0) + rsqrt(abs(u) + 1.0) + tanh(u / c) + sigmoid(u)
                    let i = float(floor(u) + ceil(u) + int(u)) * 0.001 + float((q + kv) % 3) * 0.1 + float(q / 7 - kv / 5) * 0.01
                    max(min(u, 3.0), -3.0) + clamp(u, -2.0, 2.0) + (u > 0.0 ? e : r) + i + u / c
                }
                attention every_builtin(c: float = 1.5, w: float[B, H]) {
                    score = score |> every(c = c, w = w)
                    mask = kv <= q + 30
                }
                """);
        check("every built-in", a, SMALL, DType.F32, Map.of(), Map.of("w", random(8, 2, 4)), true);
    }

    /** Parameters left without a gradient (Attention.withoutGradients): the others' and dQ, dK, dV as the reference's, none for them. */
    @Test
    void frozenParametersGetNoGradient() {
        Attention a = TestPrograms.optimized(FROZEN);
        Map<String, Tensor> slopes = Map.of("slopes", random(10, 4));
        for (List<String> frozen : List.of(List.of("slopes"), List.of("u"), List.of("slopes", "u"))) {
            Gradients g = check("frozen " + frozen, a.withoutGradients(frozen), SMALL, DType.F32, Map.of("u", 0.3), slopes, false);
            frozen.forEach(p -> assertFalse(g.params().containsKey(p), p + " has a gradient"));
        }
    }

    /** Two deterministic runs give the same bits; atomic parameter sums agree with them to rounding. */
    @Test
    void deterministicByDefaultAndAtomicsClose() {
        Attention a = TestPrograms.optimized(TABLE);
        Sizes s = SMALL;
        Run r = Run.prepare(a, s, DType.F32, Map.of(), Map.of("bias", random(6, 4, 17)), false);
        Gradients one = r.backward(false), two = r.backward(false), atomic = r.backward(true);
        for (var pair : new Tensor[][] {{one.dq(), two.dq()}, {one.dk(), two.dk()}, {one.dv(), two.dv()},
                {one.params().get("bias"), two.params().get("bias")}}) {
            assertArrayEquals(pair[0].toFloatArray(), pair[1].toFloatArray());
        }
        double[] det = one.params().get("bias").toDoubleArray(), at = atomic.params().get("bias").toDoubleArray();
        assertClose("atomic bias", det, at, 1e-4);
        assertNotEquals(0.0, maxAbs(det));
    }

    /** The public API's path: AttentionKernel.backward plans, transposes and runs this backend's backward. */
    @Test
    void throughTheAttentionKernel() {
        Sizes s = SMALL;
        AttentionKernel kernel = Attnc.compile("rel.attn", TABLE).kernel("rel", TestDevice.backend());
        Tensor q = Tensor.random(DType.F32, 1, s.B(), s.H(), s.Q_LEN(), s.D());
        Tensor k = Tensor.random(DType.F32, 2, s.B(), s.H_KV(), s.KV_LEN(), s.D());
        Tensor v = Tensor.random(DType.F32, 3, s.B(), s.H_KV(), s.KV_LEN(), s.D());
        Tensor dO = Tensor.random(DType.F32, 4, s.B(), s.H(), s.Q_LEN(), s.D());
        Tensor bias = random(6, 4, 17);
        Result fwd = kernel.run(q, k, v, Map.of("bias", bias));
        Gradients got = kernel.backward(q, k, v, Map.of("bias", bias), fwd.o(), fwd.lse(), dO);
        Bindings bindings = new Bindings(Map.of(), Map.of("bias", Outputs.view(bias))).complete(kernel.attention());
        ReferenceBackward.Grads want = ReferenceBackward.run(kernel.attention(), s, q.toDoubleArray(), k.toDoubleArray(), v.toDoubleArray(),
                bindings, Reference.defaultScale(s), dO.toDoubleArray(), null);
        assertClose("api dK", want.dk(), got.dk().toDoubleArray(), 1e-3);
        assertClose("api dbias", want.params().get("bias"), got.params().get("bias").toDoubleArray(), 1e-3);
    }

    /** The forward's outputs and everything the backward needs, for one attention, storage and inputs. */
    record Run(BackwardKernel kernel, RunInputs in, RunOutputs out, Tensor dO, Tensor dLse, BlockPlan plan, Bindings bindings) {
        static Run prepare(Attention a, Sizes s, DType dtype, Map<String, Object> scalars, Map<String, Tensor> tensors, boolean dLse) {
            OpenClBackend backend = TestDevice.backend();
            TilePlan tiles = backend.tilePlan(s.D());
            KernelRequest request = new KernelRequest(a, dtype, s.D(), s.DV(), tiles);
            CompiledKernel forward = backend.compile(request);
            Map<String, TensorData> data = new HashMap<>();
            tensors.forEach((name, t) -> data.put(name, Outputs.view(t)));
            Bindings bindings = new Bindings(scalars, data).complete(a);
            Tensor q = Tensor.random(dtype, 1, s.B(), s.H(), s.Q_LEN(), s.D());
            Tensor k = Tensor.random(dtype, 2, s.B(), s.H_KV(), s.KV_LEN(), s.D());
            Tensor v = Tensor.random(dtype, 3, s.B(), s.H_KV(), s.KV_LEN(), s.DV());
            BlockPlan plan = ExactTiles.plan(a, s, bindings, tiles.blockM(), tiles.blockN(), false);
            RunInputs in = new RunInputs(s, q, k, v, bindings.scalars(), tensors, Reference.defaultScale(s), plan);
            Tensor dO = Tensor.random(dtype, 4, s.B(), s.H(), s.Q_LEN(), s.DV());
            Tensor dl = dLse ? Tensor.random(DType.F32, 9, s.B(), s.H(), s.Q_LEN()) : null;
            return new Run(backend.compileBackward(request), in, forward.run(in), dO, dl, plan, bindings);
        }

        Gradients backward(boolean atomic) {
            return kernel.run(new BackwardInputs(in, out.o(), out.lse(), dO, dLse, plan.transposed(), atomic));
        }
    }

    static Gradients check(String what, Attention a, Sizes s, DType dtype, Map<String, Object> scalars, Map<String, Tensor> tensors,
            boolean dLse) {
        Run r = Run.prepare(a, s, dtype, scalars, tensors, dLse);
        Gradients got = r.backward(false);
        ReferenceBackward.Grads want = ReferenceBackward.run(a, s, r.in().q().toDoubleArray(), r.in().k().toDoubleArray(),
                r.in().v().toDoubleArray(), r.bindings(), r.in().scale(), r.dO().toDoubleArray(),
                r.dLse() == null ? null : r.dLse().toDoubleArray());
        double tol = switch (dtype) {
            case F16 -> 1e-2;
            case BF16 -> 4e-2;
            default -> 1e-3;
        };
        assertClose(what + " dQ", want.dq(), got.dq().toDoubleArray(), tol);
        assertClose(what + " dK", want.dk(), got.dk().toDoubleArray(), tol);
        assertClose(what + " dV", want.dv(), got.dv().toDoubleArray(), tol);
        assertEquals(want.params().keySet(), got.params().keySet(), what + ": the parameters with a gradient");
        want.params().forEach((name, ref) -> assertClose(what + " d" + name, ref, got.params().get(name).toDoubleArray(), tol));
        return got;
    }

    /** Every element within {@code tol} of the largest reference magnitude; no NaN. */
    static void assertClose(String what, double[] want, double[] got, double tol) {
        assertEquals(want.length, got.length, what + ": element count");
        double bound = tol * Math.max(maxAbs(want), 1e-6);
        for (int i = 0; i < want.length; i++) {
            if (!(Math.abs(got[i] - want[i]) <= bound)) fail(what + "[" + i + "] = " + got[i] + " but the reference is " + want[i]);
        }
    }

    static double maxAbs(double[] x) {
        double m = 0;
        for (double v : x) m = Math.max(m, Math.abs(v));
        return m;
    }

    static Tensor random(long seed, long... shape) {
        SplittableRandom r = new SplittableRandom(seed);
        int n = 1;
        for (long d : shape) n *= (int) d;
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) r.nextDouble(0.5, 1.5);
        return Tensor.ofFloats(x, shape);
    }

    @Test
    void refusesBackwardTilesBeyondTheLocalMemoryAndTheGlobalMemory() {
        TestDevice.assumeAvailable();
        OpenClBackend backend = TestDevice.backend();
        var device = backend.context().device();
        // a query tile whose Q and dO (2·BLOCK_M·D floats) overflow the local memory by one row
        int d = 64;
        int blockM = (int) Math.min(1 << 24, device.localMemBytes() / (2L * Float.BYTES * d) + 1);
        String why = backend.unsupportedBackward(new Sizes(1, 1, 1, 37, 53, d), DType.F32, new TilePlan(blockM, 16, 1), 0);
        assertTrue(why != null && why.startsWith("too large: the backward kernels' tiles (" + blockM + "x16, D = 64) in local memory"), why);
        // sizes whose backward buffers pass seven eighths of the global memory
        int len = (int) Math.min(1 << 30, device.globalMemBytes() / (8L * Float.BYTES * d) + 1);
        why = backend.unsupportedBackward(new Sizes(1, 1, 1, len, len, d), DType.F32, new TilePlan(16, 16, 1), 0);
        assertTrue(why != null && why.startsWith("too large: the backward pass's buffers"), why);
        assertEquals(null, backend.unsupportedBackward(SMALL, DType.F32, new TilePlan(16, 16, 1), 100));
    }
}
