package dev.attnc.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.attnc.DType;
import dev.attnc.Tensor;
import dev.attnc.backend.KernelRequest;
import dev.attnc.backend.Recipes;
import dev.attnc.backend.RunInputs;
import dev.attnc.backend.RunOutputs;
import dev.attnc.compiler.interp.Bindings;
import dev.attnc.compiler.interp.TensorData;
import dev.attnc.compiler.plan.TilePlan;
import dev.attnc.compiler.sparsity.BlockPlanner;
import dev.attnc.ffm.cuda.Cuda;
import dev.attnc.kernel.BlockPlan;
import dev.attnc.kernel.Sizes;
import java.io.IOException;
import java.nio.file.Files;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.TestFactory;

/**
 * Q, K and V as strided views on CUDA (issue 20): [B, S, H, D] data seen as [B, H, S, D], and slices
 * of one packed [B, S, H + 2·H_KV, D] tensor, host tensors (device ones: CudaDeviceTensorGpuTest), on the engine the backend picks
 * (Hopper on H100/H200, mma.sync elsewhere). The forward reads them in place (mma.sync's strided form,
 * Hopper's 4-d tensor maps) with the same arithmetic as dense inputs, so O and LSE must be the dense
 * call's bit for bit (CudaBackendGpuTest checks those against the reference).
 */
@Tag("gpu")
class CudaViewsGpuTest {
    private static CudaBackend backend;

    @BeforeAll
    static void open() throws IOException {
        assumeTrue(!Cuda.devices().isEmpty(), "no CUDA GPU here");
        backend = new CudaBackend(0, Files.createTempDirectory("attnc-cuda-views"));
    }

    @AfterAll
    static void close() {
        if (backend != null) backend.close();
    }

    @TestFactory
    Stream<DynamicTest> viewsGiveWhatDenseInputsGive() {
        return CudaCases.samples().stream().filter(s -> List.of("causal", "alibi", "document", "softcap").contains(s.stem()))
                .flatMap(s -> Stream.of(DType.BF16, DType.F32).map(t -> DynamicTest.dynamicTest(s.stem() + " " + t, () -> check(s, t))));
    }

    private static void check(CudaCases.Sample sample, DType dtype) {
        Sizes s = sample.square() ? new Sizes(2, 4, 2, 100, 100, 64) : new Sizes(2, 4, 2, 77, 131, 64);
        Recipes.Args args = CudaCases.args(sample.stem(), s, 5);
        Map<String, TensorData> data = new HashMap<>();
        args.tensors().forEach((n, t) -> data.put(n, new TensorData() {
            public long[] shape() { return t.shape(); }
            public double get(long i) { return t.getDouble(i); }
        }));
        Bindings bindings = new Bindings(args.scalars(), data).complete(sample.attention());
        CudaKernel kernel = (CudaKernel) backend.compile(new KernelRequest(sample.attention(), dtype, s.D(), backend.tilePlan(s.D())));
        TilePlan tiles = kernel.generated().tiles();
        BlockPlan plan = BlockPlanner.plan(sample.attention(), s, bindings, tiles.blockM(), tiles.blockN());
        double scale = 1 / Math.sqrt(s.D());
        Tensor q = Tensor.random(dtype, 1, s.B(), s.H(), s.Q_LEN(), s.D());
        Tensor k = Tensor.random(dtype, 2, s.B(), s.H_KV(), s.KV_LEN(), s.D());
        Tensor v = Tensor.random(dtype, 3, s.B(), s.H_KV(), s.KV_LEN(), s.D());
        RunOutputs dense = kernel.run(new RunInputs(s, q, k, v, bindings.scalars(), args.tensors(), scale, plan));
        for (Tensor[] views : List.of(new Tensor[] {bshd(q), bshd(k), bshd(v)}, packed(q, k, v))) {
            RunInputs in = new RunInputs(s, views[0], views[1], views[2], bindings.scalars(), args.tensors(), scale, plan);
            String what = sample.stem() + " " + dtype + (views[0].storage() == views[1].storage() ? " packed" : " [B,S,H,D]");
            if (dtype != DType.F32) { // float32 is converted on upload (dense); bf16 views are read where they lie
                try (CudaKernel.Call call = kernel.prepare(in)) {
                    assertTrue(call.readsViewsInPlace(), what + ": gathered, not read in place");
                }
            }
            RunOutputs got = kernel.run(in);
            assertArrayEquals(dense.o().toFloatArray(), got.o().toFloatArray(), what + ": O");
            assertArrayEquals(dense.lse().toFloatArray(), got.lse().toFloatArray(), what + ": LSE");
        }
    }

    /** {@code t}'s values stored [B, S, H, D], seen as [B, H, S, D]. */
    private static Tensor bshd(Tensor t) {
        return t.permute(0, 2, 1, 3).contiguous().permute(0, 2, 1, 3);
    }

    /** Q, K and V as slices of one packed [B, KV_LEN, H + 2·H_KV, D] tensor (Q takes the first Q_LEN positions). */
    private static Tensor[] packed(Tensor q, Tensor k, Tensor v) {
        long b = q.dim(0), h = q.dim(1), hkv = k.dim(1), kvLen = k.dim(2), d = q.dim(3);
        long width = h + 2 * hkv;
        Tensor packed = Tensor.allocate(q.dtype(), b, kvLen, width, d);
        long[] strides = {kvLen * width * d, d, width * d, 1};
        Tensor[] out = {Tensor.view(packed, 0, q.shape(), strides), Tensor.view(packed, h * d, k.shape(), strides),
                Tensor.view(packed, (h + hkv) * d, v.shape(), strides)};
        Tensor[] in = {q, k, v};
        for (int i = 0; i < 3; i++) {
            for (long e = 0; e < in[i].elementCount(); e++) out[i].setFloat(e, in[i].getFloat(e));
        }
        return out;
    }
}
