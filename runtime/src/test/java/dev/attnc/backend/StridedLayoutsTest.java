package dev.attnc.backend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnc.AttentionKernel;
import dev.attnc.Attnc;
import dev.attnc.Backends;
import dev.attnc.Check;
import dev.attnc.DType;
import dev.attnc.Result;
import dev.attnc.Target;
import dev.attnc.Tensor;
import dev.attnc.backend.opencl.SampleCases;
import dev.attnc.ffm.opencl.OpenCl;
import dev.attnc.kernel.Sizes;
import dev.attnc.testkit.Repo;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Every sample on java and opencl with Q, K and V as strided views (issue 20): [B, S, H, D] data
 * seen as [B, H, S, D], and slices of one packed [B, S, H + 2·H_KV, D] QKV tensor (Q a prefix of
 * its positions where Q_LEN < KV_LEN), at ragged grouped-query sizes. Each must match the reference,
 * give bit for bit what the same values as dense tensors give, and return O laid out as Q is.
 */
class StridedLayoutsTest {
    private static final int D = 16;
    private static final Map<Target, Backend> BACKENDS = new HashMap<>();

    static synchronized Backend backend(Target t) {
        return BACKENDS.computeIfAbsent(t, x -> Backends.open(x, 0));
    }

    @AfterAll
    static void close() {
        BACKENDS.values().forEach(Backend::close);
        BACKENDS.clear();
    }

    static Stream<Target> targets() {
        return OpenCl.isAvailable() && !OpenCl.devices().isEmpty() ? Stream.of(Target.JAVA, Target.OPENCL) : Stream.of(Target.JAVA);
    }

    @TestFactory
    Stream<DynamicTest> everySampleThroughViews() {
        return targets().flatMap(t -> Repo.samples().stream().map(p -> DynamicTest.dynamicTest(Repo.stem(p) + " " + t, () -> check(p, t))));
    }

    @TestFactory
    Stream<DynamicTest> theBackwardThroughViews() {
        return targets().flatMap(t -> SampleCases.BACKWARD_SAMPLES.stream().map(stem -> DynamicTest.dynamicTest(stem + " " + t, () -> {
            SampleCases.Sample sm = SampleCases.of(stem, D);
            checkBackward(Repo.path("samples/" + stem + ".attn"), t, sm.sizes(), args(sm.cases().get(0)));
        })));
    }

    /** Without groups (dK and dV written by each head's task) and with keys enough for several tasks per head (dQ summed over them). */
    @TestFactory
    Stream<DynamicTest> theBackwardThroughViewsWithoutGroupsOverLongKeys() {
        return targets().map(t -> DynamicTest.dynamicTest("causal " + t,
                () -> checkBackward(Repo.path("samples/causal.attn"), t, new Sizes(2, 2, 2, 45, 1100, D), Map.of())));
    }

    private static Map<String, Object> args(SampleCases.Case c) {
        Map<String, Object> args = new HashMap<>(c.scalars());
        args.putAll(c.tensors());
        return args;
    }

    /** The same values in one of the layouts models use. */
    record Layout(String name, Tensor q, Tensor k, Tensor v) {}

    static Layout bshd(Tensor q, Tensor k, Tensor v) {
        return new Layout("[B,S,H,D]", asBshd(q), asBshd(k), asBshd(v));
    }

    /** {@code t}'s values stored [B, S, H, D], seen as [B, H, S, D]. */
    static Tensor asBshd(Tensor t) {
        Tensor stored = t.permute(0, 2, 1, 3).contiguous();
        return stored.permute(0, 2, 1, 3);
    }

    /** Q, K and V as slices of one packed [B, KV_LEN, H + 2·H_KV, D] tensor (Q_LEN ≤ KV_LEN: Q takes the first positions). */
    static Layout packed(Tensor q, Tensor k, Tensor v) {
        long b = q.dim(0), h = q.dim(1), qLen = q.dim(2), hkv = k.dim(1), kvLen = k.dim(2), d = q.dim(3);
        long width = h + 2 * hkv;
        Tensor packed = Tensor.allocate(q.dtype(), b, kvLen, width, d);
        long[] strides = {kvLen * width * d, d, width * d, 1};
        Tensor pq = Tensor.view(packed, 0, q.shape(), strides);
        Tensor pk = Tensor.view(packed, h * d, k.shape(), strides);
        Tensor pv = Tensor.view(packed, (h + hkv) * d, v.shape(), strides);
        for (var pair : List.of(List.of(q, pq), List.of(k, pk), List.of(v, pv))) {
            for (long i = 0; i < pair.get(0).elementCount(); i++) pair.get(1).setFloat(i, pair.get(0).getFloat(i));
        }
        return new Layout("packed QKV", pq, pk, pv);
    }

    /**
     * The backward with Q, K, V, O and dO as views (O as the forward laid it out: like Q) gives bit for
     * bit the gradients of dense inputs, which the backward tests check against the reference.
     */
    private static void checkBackward(Path sample, Target target, Sizes s, Map<String, Object> args) throws IOException {
        String stem = Repo.stem(sample);
        Tensor q = Tensor.random(DType.F32, 1, s.B(), s.H(), s.Q_LEN(), s.D());
        Tensor k = Tensor.random(DType.F32, 2, s.B(), s.H_KV(), s.KV_LEN(), s.D());
        Tensor v = Tensor.random(DType.F32, 3, s.B(), s.H_KV(), s.KV_LEN(), s.D());
        Tensor dO = Tensor.random(DType.F32, 4, s.B(), s.H(), s.Q_LEN(), s.D());
        AttentionKernel kernel = kernel(sample, target);
        Result dense = kernel.run(q, k, v, args);
        dev.attnc.Gradients want = kernel.backward(q, k, v, args, dense.o(), dense.lse(), dO);
        for (Layout layout : List.of(bshd(q, k, v), packed(q, k, v))) {
            String what = stem + " " + target + " " + layout.name() + " backward";
            Result r = kernel.run(layout.q(), layout.k(), layout.v(), args);
            dev.attnc.Gradients got = kernel.backward(layout.q(), layout.k(), layout.v(), args, r.o(), r.lse(), asBshd(dO));
            assertArrayEquals(want.dq().toFloatArray(), got.dq().toFloatArray(), what + ": dQ");
            assertArrayEquals(want.dk().toFloatArray(), got.dk().toFloatArray(), what + ": dK");
            assertArrayEquals(want.dv().toFloatArray(), got.dv().toFloatArray(), what + ": dV");
            assertTrue(got.dq().permute(0, 2, 1, 3).isContiguous(), what + ": dQ is laid out [B, S, H, D] in memory, as Q");
            assertTrue(got.dk().permute(0, 2, 1, 3).isContiguous(), what + ": dK is laid out [B, S, H_KV, D] in memory, as K");
            want.params().forEach((name, g) -> assertArrayEquals(g.toFloatArray(), got.params().get(name).toFloatArray(), what + ": d" + name));
        }
    }

    /** The sample's one attention on the target's shared backend. */
    private static AttentionKernel kernel(Path sample, Target target) throws IOException {
        var program = Attnc.compile(sample);
        return program.kernel(program.attentions().get(0), backend(target));
    }

    private static void check(Path sample, Target target) throws IOException {
        String stem = Repo.stem(sample);
        SampleCases.Sample sm = SampleCases.of(stem, D);
        Sizes s = sm.sizes();
        Tensor q = Tensor.random(DType.F32, 1, s.B(), s.H(), s.Q_LEN(), s.D());
        Tensor k = Tensor.random(DType.F32, 2, s.B(), s.H_KV(), s.KV_LEN(), s.D());
        Tensor v = Tensor.random(DType.F32, 3, s.B(), s.H_KV(), s.KV_LEN(), s.D());
        AttentionKernel kernel = kernel(sample, target);
        Map<String, Object> args = args(sm.cases().get(0));
        Result dense = kernel.run(q, k, v, args);
        for (Layout layout : List.of(bshd(q, k, v), packed(q, k, v))) {
            String what = stem + " " + target + " " + layout.name();
            AttentionKernel.Prepared prepared = kernel.prepare(layout.q(), layout.k(), layout.v(), args, Double.NaN);
            Result r = kernel.run(prepared);
            Check.Report report = Check.against(kernel.attention(), prepared.inputs(), r);
            assertTrue(report.passed(), what + ": " + report);
            assertArrayEquals(dense.o().toFloatArray(), r.o().toFloatArray(), what + ": O differs from the dense inputs'");
            assertArrayEquals(dense.lse().toFloatArray(), r.lse().toFloatArray(), what + ": LSE differs from the dense inputs'");
            assertArrayEquals(new long[] {s.Q_LEN() * s.H() * s.D(), s.D(), s.H() * s.D(), 1}, r.o().strides(),
                    what + ": O is laid out [B, S, H, D] in memory, as Q is");
            assertEquals(DType.F32, r.o().dtype());
        }
    }
}
