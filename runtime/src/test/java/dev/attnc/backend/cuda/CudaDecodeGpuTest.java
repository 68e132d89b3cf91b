package dev.attnc.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.attnc.DType;
import dev.attnc.Tensor;
import dev.attnc.backend.KernelRequest;
import dev.attnc.backend.RunInputs;
import dev.attnc.backend.PagedCaches;
import dev.attnc.backend.Recipes;
import dev.attnc.backend.RunOutputs;
import dev.attnc.compiler.TestPrograms;
import dev.attnc.compiler.interp.Reference;
import dev.attnc.compiler.interp.TensorData;
import dev.attnc.compiler.sparsity.SequencePlanner;
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
 * by q and kv alike) with few query rows (Q_LEN 1, 4, 16; 40 in 16-row tiles with per-sequence lengths) over ragged key ranges, grouped-query
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

    /** The kernel of a value dimension other than D. */
    private static CudaKernel kernel(Attention a, Sizes s) {
        synchronized (KERNELS) {
            return KERNELS.computeIfAbsent(a.name() + "/bf16/" + s.D() + "/" + s.DV(),
                    k -> (CudaKernel) backend.compile(new KernelRequest(a, DType.BF16, s.D(), s.DV(), backend.tilePlan(s.D()))));
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

    /** A value dimension DV other than D (MLA's 192 / 128 among them) in the decode program, one to five query rows. */
    @TestFactory
    Stream<DynamicTest> valueDimensionsOtherThanD() {
        List<DynamicTest> tests = new ArrayList<>();
        for (CudaCases.Sample s : CudaCases.samples()) {
            if (s.square()) continue;
            for (Sizes sz : List.of(new Sizes(2, 8, 2, 1, 3000, 192, 128), new Sizes(1, 4, 2, 5, 700, 64, 32), new Sizes(2, 8, 2, 3, 999, 80, 112))) {
                tests.add(DynamicTest.dynamicTest(s.stem() + " bf16 " + sz, () -> CudaBackendGpuTest.check(s, sz, DType.BF16, kernel(s.attention(), sz))));
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
            for (int d : List.of(16, 32, 40, 64, 80, 96, 112, 128, 160, 256)) {
                for (Sizes sz : List.of(new Sizes(2, 8, 2, 1, 5000, d), new Sizes(2, 6, 2, 5, 333, d), new Sizes(1, 32, 8, 1, 70000, d))) {
                    tests.add(DynamicTest.dynamicTest(a.name() + " bf16 " + sz, () -> CudaBackendGpuTest.check(s, sz, DType.BF16, kernel(a, DType.BF16, d))));
                }
            }
        }
        return tests.stream();
    }

    /**
     * Per-sequence lengths (one empty, one short, one full) and K/V in pages of 16 and 7 rows behind
     * shuffled tables, NaN in every row past a sequence's length and in unused pages: against the
     * reference with the lengths, and paged bit for bit equal to the same cache contiguous.
     */
    @TestFactory
    Stream<DynamicTest> pagedCachesAndSequenceLengths() {
        List<DynamicTest> tests = new ArrayList<>();
        List<CudaCases.Sample> samples = new ArrayList<>();
        for (String text : List.of(DECODE_MASKS, WINDOW)) {
            Attention a = TestPrograms.optimized(text);
            samples.add(new CudaCases.Sample(a.name(), a, false));
        }
        for (CudaCases.Sample s : CudaCases.samples()) {
            if (List.of("alibi", "gpt_oss", "sigmoid", "softcap", "padding").contains(s.stem())) samples.add(s);
        }
        for (CudaCases.Sample s : samples) {
            // 40: a chunk of prefill over the cache, in three 16-row tiles; 100 and 300: rows in the plan's later query tiles
            for (int qLen : new int[] {1, 4, 40, 100, 300}) {
                for (int d : new int[] {64, 128}) {
                    tests.add(DynamicTest.dynamicTest(s.stem() + " Q_LEN " + qLen + " D " + d, () -> checkPaged(s, new Sizes(3, 8, 2, qLen, 1008, d))));
                }
            }
        }
        return tests.stream();
    }

    /**
     * Chunked prefill with more 16-row blocks than a grid's y holds (3 x 22 heads x 1000 row tiles): the
     * decode program's blocks go on in z; against the reference with the lengths {48, 0, 21}.
     */
    @Test
    void chunkedPrefillPastTheGridsY() {
        Attention a = TestPrograms.optimized(DECODE_MASKS);
        Sizes s = new Sizes(3, 22, 22, 16000, 48, 32);
        checkLengths(a, s, new int[] {48, 0, 21}, Map.of(), new Bindings(Map.of(), Map.of()).complete(a));
    }

    private static void checkPaged(CudaCases.Sample sample, Sizes s) {
        Attention a = sample.attention();
        Recipes.Args args = CudaCases.args(sample.stem(), s, 11); // the recipes are keyed by the sample's file
        Map<String, TensorData> data = new HashMap<>();
        args.tensors().forEach((n, t) -> data.put(n, dev.attnc.Inputs.view(t)));
        checkLengths(a, s, new int[] {1008, 0, 357}, args.tensors(), new Bindings(args.scalars(), data).complete(a), 16, 7);
    }

    /** A call with these sequence lengths against the reference, and with K/V in pages of each size bit for bit equal to it. */
    private static void checkLengths(Attention a, Sizes s, int[] lens, Map<String, Tensor> tensors, Bindings bindings, int... pageSizes) {
        CudaKernel kernel = kernel(a, DType.BF16, s.D());
        TilePlan tiles = kernel.generated().tiles();
        BlockPlan plan = SequencePlanner.plan(a, s, bindings, tiles.blockM(), tiles.blockN(), lens);
        Tensor q = Tensor.random(DType.BF16, 1, s.B(), s.H(), s.Q_LEN(), s.D());
        Tensor k = Tensor.random(DType.BF16, 2, s.B(), s.H_KV(), s.KV_LEN(), s.D());
        Tensor v = Tensor.random(DType.BF16, 3, s.B(), s.H_KV(), s.KV_LEN(), s.D());
        double scale = 1 / Math.sqrt(s.D());
        RunOutputs dense = kernel.run(new RunInputs(s, q, k, v, bindings.scalars(), tensors, scale, plan, lens));
        Reference.Output ref = Reference.run(a, s, q.toDoubleArray(), k.toDoubleArray(), v.toDoubleArray(), bindings, scale, lens);
        for (int i = 0; i < ref.lse().length; i++) {
            double want = ref.lse()[i], got = dense.lse().getDouble(i);
            // messages built only on failure: a million rows would spend seconds on them
            if (!(want == got || Math.abs(want - got) <= 2e-3)) fail(a.name() + " LSE row " + i + ": " + got + ", want " + want);
            for (int x = 0; x < s.D(); x++) {
                double o = dense.o().getDouble((long) i * s.D() + x), w = ref.o()[i * s.D() + x];
                if (!(Math.abs(o - w) <= 2e-2)) fail(a.name() + " O row " + i + " column " + x + ": " + o + ", want " + w);
            }
        }
        for (int pageSize : pageSizes) {
            Tensor table = PagedCaches.pageTable(s.KV_LEN(), pageSize, pageSize, lens);
            Tensor pk = Tensor.paged(PagedCaches.pagesOf(k, table, pageSize, lens), table);
            Tensor pv = Tensor.paged(PagedCaches.pagesOf(v, table, pageSize, lens), table);
            RunOutputs paged = kernel.run(new RunInputs(s, q, pk, pv, bindings.scalars(), tensors, scale, plan, lens));
            assertArrayEquals(dense.o().toFloatArray(), paged.o().toFloatArray(), a.name() + " pages of " + pageSize + ": O");
            assertArrayEquals(dense.lse().toFloatArray(), paged.lse().toFloatArray(), a.name() + " pages of " + pageSize + ": LSE");
        }
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
            assertNull(call.decodeShape(), "64 query rows (dense, one length) run the forward kernel");
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
