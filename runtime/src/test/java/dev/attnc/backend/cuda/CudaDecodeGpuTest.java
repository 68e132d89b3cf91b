package dev.attnc.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.attnc.DType;
import dev.attnc.Tensor;
import dev.attnc.backend.KernelRequest;
import dev.attnc.backend.RunInputs;
import dev.attnc.compiler.TestPrograms;
import dev.attnc.compiler.interp.Bindings;
import dev.attnc.compiler.ir.Attention;
import dev.attnc.compiler.plan.TilePlan;
import dev.attnc.compiler.sparsity.BlockPlanner;
import dev.attnc.ffm.cuda.Cuda;
import dev.attnc.kernel.BlockPlan;
import dev.attnc.kernel.Sizes;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The decode program (issue 18) against the reference interpreter: every sample (but those indexed
 * by q and kv alike) with few query rows (Q_LEN 1, 4, 16) over ragged key ranges, grouped-query
 * heads (packed into one block), bf16 and fp16, several splits and one, empty rows; masks of decoding
 * (causal aligned to the end of the cache, a sliding window behind it, per-sequence lengths).
 * CudaBackendGpuTest's check: outputs poisoned with NaN, a failure retried with the brute-force plan.
 */
@Tag("gpu")
class CudaDecodeGpuTest {
    private static CudaBackend backend;
    private static final Map<String, CudaKernel> KERNELS = new HashMap<>();

    static final String DECODE_MASKS = """
            attention decode_causal {
                mask = q + KV_LEN - Q_LEN >= kv
            }
            """;
    static final String WINDOW = """
            attention decode_window(w: int = 300) {
                score = score + 0.5 * float(h)
                mask = q + KV_LEN - Q_LEN >= kv && q + KV_LEN - Q_LEN - kv < w
            }
            """;

    @BeforeAll
    static void open() throws IOException {
        assumeTrue(!Cuda.devices().isEmpty(), "no CUDA GPU here");
        backend = new CudaBackend(0, Files.createTempDirectory("attnc-cuda-decode"));
        List<KernelRequest> all = new ArrayList<>();
        for (CudaCases.Sample s : CudaCases.samples()) {
            for (DType t : List.of(DType.BF16, DType.F16)) for (int d : List.of(64, 128)) all.add(request(s.attention(), t, d));
        }
        backend.precompileDecode(all, Runtime.getRuntime().availableProcessors());
        backend.precompile(all, Runtime.getRuntime().availableProcessors());
    }

    @AfterAll
    static void close() {
        if (backend != null) backend.close();
    }

    private static KernelRequest request(Attention a, DType t, int d) {
        return new KernelRequest(a, t, d, backend.tilePlan(d));
    }

    private static CudaKernel kernel(Attention a, DType t, int d) {
        synchronized (KERNELS) {
            return KERNELS.computeIfAbsent(a.name() + "/" + t + "/" + d, k -> (CudaKernel) backend.compile(request(a, t, d)));
        }
    }

    @TestFactory
    Stream<DynamicTest> everySampleDecodes() {
        List<DynamicTest> tests = new ArrayList<>();
        for (CudaCases.Sample s : CudaCases.samples()) {
            if (s.square()) continue;
            for (DType t : List.of(DType.BF16, DType.F16)) {
                int d = t == DType.BF16 ? 128 : 64;
                for (Sizes sz : List.of(new Sizes(2, 8, 2, 1, 4099, d), new Sizes(3, 8, 2, 4, 1000, d), new Sizes(1, 4, 4, 16, 777, d))) {
                    tests.add(DynamicTest.dynamicTest(s.stem() + " " + t + " " + sz,
                            () -> CudaBackendGpuTest.check(s, sz, t, kernel(s.attention(), t, sz.D()))));
                }
            }
        }
        return tests.stream();
    }

    @TestFactory
    Stream<DynamicTest> masksOfDecoding() {
        List<DynamicTest> tests = new ArrayList<>();
        for (String text : List.of(DECODE_MASKS, WINDOW)) {
            Attention a = TestPrograms.optimized(text);
            CudaCases.Sample s = new CudaCases.Sample(a.name(), a, false);
            for (int d : List.of(32, 64, 128, 256)) {
                for (Sizes sz : List.of(new Sizes(2, 8, 2, 1, 5000, d), new Sizes(2, 6, 2, 5, 333, d), new Sizes(1, 32, 8, 1, 70000, d))) {
                    tests.add(DynamicTest.dynamicTest(a.name() + " bf16 " + sz, () -> CudaBackendGpuTest.check(s, sz, DType.BF16, kernel(a, DType.BF16, d))));
                }
            }
        }
        return tests.stream();
    }

    @Test
    void fewQueryRowsRunTheDecodeProgramSplitAndPacked() {
        Attention a = TestPrograms.optimized(DECODE_MASKS);
        Sizes s = new Sizes(1, 8, 2, 1, 65536, 128);
        try (CudaKernel.Call call = prepare(a, s)) {
            String shape = call.decodeShape();
            assertNotNull(shape, "Q_LEN = 1 runs the decode program");
            assertTrue(shape.startsWith("decode: 4 heads a block"), shape);
            int splits = Integer.parseInt(shape.replaceAll(".*block, (\\d+) splits.*", "$1"));
            assertTrue(splits > 1, "two blocks cannot fill the GPU: the key range is split, " + shape);
            assertTrue(shape.contains(" 0 B local"), "no spills: " + shape);
        }
        try (CudaKernel.Call call = prepare(a, new Sizes(1, 8, 2, 64, 4096, 128))) {
            assertNull(call.decodeShape(), "64 query rows run the forward kernel");
        }
    }

    private static CudaKernel.Call prepare(Attention a, Sizes s) {
        CudaKernel k = kernel(a, DType.BF16, s.D());
        TilePlan tiles = k.generated().tiles();
        Bindings bindings = new Bindings(Map.of(), Map.of()).complete(a);
        BlockPlan plan = BlockPlanner.plan(a, s, bindings, tiles.blockM(), tiles.blockN());
        Tensor q = Tensor.random(DType.BF16, 1, s.B(), s.H(), s.Q_LEN(), s.D());
        Tensor kv = Tensor.random(DType.BF16, 2, s.B(), s.H_KV(), s.KV_LEN(), s.D());
        return k.prepare(new RunInputs(s, q, kv, kv, bindings.scalars(), Map.of(), 1 / Math.sqrt(s.D()), plan));
    }
}
