package dev.attnc.backend.opencl;

import dev.attnc.compiler.TestPrograms;
import dev.attnc.compiler.sparsity.ExactTiles;
import dev.attnc.DType;
import dev.attnc.Tensor;
import dev.attnc.backend.CompiledKernel;
import dev.attnc.backend.KernelRequest;
import dev.attnc.backend.RunInputs;
import dev.attnc.compiler.interp.Bindings;
import dev.attnc.compiler.interp.Reference;
import dev.attnc.kernel.Sizes;
import dev.attnc.compiler.interp.TensorData;
import dev.attnc.compiler.ir.Attention;
import dev.attnc.compiler.plan.TilePlan;
import dev.attnc.kernel.BlockPlan;
import dev.attnc.testkit.Repo;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Every sample on the OpenCL device against the reference interpreter: ragged sizes, grouped-query
 * heads, float32 and float16 storage (bfloat16 for a few), each with a brute-force block plan
 * (FULL, PARTIAL and EMPTY tiles; per (b, h) for f32, one shared plan for f16) and with a dense
 * plan (every tile PARTIAL).
 */
class OpenClSamplesTest {
    private static final Set<String> BF16_TOO = Set.of("alibi", "document_causal", "softcap");

    static List<Path> samples() {
        return Repo.samples();
    }

    static String stem(Path p) {
        return Repo.stem(p);
    }

    static Attention optimized(Path p) {
        return TestPrograms.sample(p);
    }

    @TestFactory
    Stream<DynamicTest> everySampleMatchesTheReference() throws IOException {
        TestDevice.assumeAvailable();
        return samples().stream().flatMap(p -> Stream.of(DType.F32, DType.F16, DType.BF16)
                .filter(t -> t != DType.BF16 || BF16_TOO.contains(stem(p)))
                .map(t -> DynamicTest.dynamicTest(stem(p) + " " + t, () -> check(p, t, SampleCases.of(stem(p))))));
    }

    /**
     * The head dimensions models use (SampleCases.MODEL_HEAD_DIMS: 16 to 256, most no power of two):
     * every sample at D = 40 and at one other in turn; with -Dattnc.test.everyDimension=true every
     * sample at every one (SampleCases.headDimCases).
     */
    @TestFactory
    Stream<DynamicTest> samplesAtEveryModelHeadDimension() {
        TestDevice.assumeAvailable();
        return SampleCases.headDimCases(samples(), SampleCases.everyDimension()).stream().map(c -> DynamicTest.dynamicTest(c.label(),
                () -> check(c.sample(), c.dtype(), SampleCases.of(stem(c.sample()), c.d()))));
    }

    /**
     * A value dimension DV other than D (V and O [.., DV]; issue 20): every sample at one of (D, DV) =
     * (48, 32), (32, 48) and MLA's (192, 128) in turn (every sample at each with
     * -Dattnc.test.everyDimension=true), ragged lengths, grouped-query heads.
     */
    @TestFactory
    Stream<DynamicTest> samplesWithAValueDimensionOtherThanD() {
        TestDevice.assumeAvailable();
        return SampleCases.valueDimCases(samples(), SampleCases.everyDimension()).stream().map(c -> DynamicTest.dynamicTest(c.label(),
                () -> check(c.sample(), DType.F32, SampleCases.of(stem(c.sample()), c.d(), c.dv()))));
    }

    private static void check(Path sample, DType dtype, SampleCases.Sample sm) throws IOException {
        Attention a = optimized(sample);
        Sizes s = sm.sizes();
        OpenClBackend backend = TestDevice.backend();
        TilePlan tiles = backend.tilePlan(s.D());
        CompiledKernel kernel = backend.compile(new KernelRequest(a, dtype, s.D(), s.DV(), tiles));
        Tensor q = Tensor.random(dtype, 1, s.B(), s.H(), s.Q_LEN(), s.D());
        Tensor k = Tensor.random(dtype, 2, s.B(), s.H_KV(), s.KV_LEN(), s.D());
        Tensor v = Tensor.random(dtype, 3, s.B(), s.H_KV(), s.KV_LEN(), s.DV());
        double scale = Reference.defaultScale(s);
        for (SampleCases.Case c : sm.cases()) {
            Map<String, TensorData> data = new HashMap<>();
            c.tensors().forEach((name, t) -> data.put(name, Outputs.view(t)));
            Bindings bindings = new Bindings(c.scalars(), data).complete(a);
            Reference.Output want = Reference.run(a, s, q.toDoubleArray(), k.toDoubleArray(), v.toDoubleArray(), bindings, scale);
            BlockPlan sparse = ExactTiles.plan(a, s, bindings, tiles.blockM(), tiles.blockN(), dtype != DType.F32);
            BlockPlan dense = BlockPlan.dense(tiles.blockM(), tiles.blockN(), s.Q_LEN(), s.KV_LEN(), false);
            for (BlockPlan plan : List.of(sparse, dense)) {
                var got = kernel.run(new RunInputs(s, q, k, v, bindings.scalars(), c.tensors(), scale, plan));
                Outputs.assertClose(want, got, dtype, stem(sample) + " " + dtype + " " + c.label() + " " + plan.method);
            }
        }
    }
}
