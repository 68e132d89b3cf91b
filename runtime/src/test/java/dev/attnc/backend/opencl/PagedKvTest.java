package dev.attnc.backend.opencl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnc.AttentionKernel;
import dev.attnc.AttnInputException;
import dev.attnc.Attnc;
import dev.attnc.Check;
import dev.attnc.DType;
import dev.attnc.Result;
import dev.attnc.Tensor;
import dev.attnc.backend.Backend;
import dev.attnc.backend.PagedCaches;
import dev.attnc.backend.Recipes;
import dev.attnc.backend.cpu.CpuBackend;
import dev.attnc.backend.cpu.KernelCache;
import dev.attnc.kernel.Sizes;
import dev.attnc.testkit.Repo;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Per-sequence KV lengths (kvLens) and paged K/V caches (issue 18) on java and on the OpenCL device:
 * every sample with ragged lengths (one sequence of length 0, one full) at Q_LEN 1 and 4 with
 * grouped-query heads, against the reference; the same K and V in pages of 16 and of 7 rows behind
 * a shuffled page table give O and LSE bit for bit equal to the contiguous run. Rows past a
 * sequence's length hold NaN, and pages nobody's table points to hold NaN, so reading either shows.
 */
class PagedKvTest {
    /** 112 keys: 7 pages of 16 rows or 16 pages of 7. */
    private static final int KV_LEN = 112;
    private static final int[] LENGTHS = {57, 0, KV_LEN};
    private static final CpuBackend CPU = new CpuBackend(new KernelCache(null), 2);

    @AfterAll
    static void close() {
        CPU.close();
    }

    private static List<Backend> backends() {
        return TestDevice.withCpu(CPU);
    }

    @TestFactory
    Stream<DynamicTest> everySampleWithSequenceLengthsAndPages() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Backend backend : backends()) {
            for (Path sample : Repo.samples()) {
                for (int qLen : new int[] {1, 4}) {
                    tests.add(DynamicTest.dynamicTest(backend.name() + " " + Repo.stem(sample) + " Q_LEN=" + qLen,
                            () -> check(backend, sample, qLen)));
                }
            }
        }
        return tests.stream();
    }

    private static void check(Backend backend, Path sample, int qLen) throws Exception {
        String stem = Repo.stem(sample);
        // documents and grids index one array by q and kv alike: they need Q_LEN == KV_LEN
        boolean square = List.of("document", "document_causal", "transfusion", "neighborhood_2d", "neighborhood_3d").contains(stem);
        Sizes s = new Sizes(LENGTHS.length, 4, 2, square ? KV_LEN : qLen, KV_LEN, 16);
        Map<String, Object> args = new HashMap<>(Recipes.args(stem, s, 5).tensors());
        args.putAll(Recipes.args(stem, s, 5).scalars());
        if (stem.startsWith("neighborhood_2d")) args.put("W", 16);
        if (stem.startsWith("neighborhood_3d")) args.putAll(Map.of("T", 7, "H_", 4, "W_", 4));
        Tensor q = Tensor.random(DType.F32, 1, s.B(), s.H(), s.Q_LEN(), s.D());
        Tensor k = pastLengthsNaN(Tensor.random(DType.F32, 2, s.B(), s.H_KV(), KV_LEN, s.D()));
        Tensor v = pastLengthsNaN(Tensor.random(DType.F32, 3, s.B(), s.H_KV(), KV_LEN, s.D()));
        Tensor lens = Tensor.ofInts(LENGTHS, LENGTHS.length);
        dev.attnc.Program program = Attnc.compile(sample);
        try (AttentionKernel kernel = program.kernel(program.attentions().getFirst(), backend)) {
            AttentionKernel.Prepared p = kernel.prepare(q, k, v, args, Double.NaN, lens);
            Result contiguous = kernel.run(p);
            Check.Report report = Check.against(kernel.attention(), p.inputs(), contiguous);
            assertTrue(report.passed(), stem + ": " + report);
            for (int pageSize : new int[] {16, 7}) {
                Tensor table = pageTable(pageSize, 11);
                Result paged = kernel.run(q, paged(k, table, pageSize), paged(v, table, pageSize), args, Double.NaN, lens);
                assertArrayEquals(contiguous.o().toFloatArray(), paged.o().toFloatArray(), stem + " O, pages of " + pageSize);
                assertArrayEquals(contiguous.lse().toFloatArray(), paged.lse().toFloatArray(), stem + " LSE, pages of " + pageSize);
            }
        }
    }

    /** Paged K/V without lengths: every row of every sequence is read, through the table. */
    @Test
    void pagesWithoutLengthsMatchTheContiguousRun() throws Exception {
        Sizes s = new Sizes(2, 4, 1, 4, KV_LEN, 32);
        Tensor q = Tensor.random(DType.F16, 1, s.B(), s.H(), s.Q_LEN(), s.D());
        Tensor k = Tensor.random(DType.F16, 2, s.B(), s.H_KV(), KV_LEN, s.D());
        Tensor v = Tensor.random(DType.F16, 3, s.B(), s.H_KV(), KV_LEN, s.D());
        for (Backend backend : backends()) {
            try (AttentionKernel kernel = Attnc.compile(Repo.sample("sliding_window")).kernel(null, backend)) {
                Result want = kernel.run(q, k, v, Map.of());
                int[] full = new int[s.B()];
                java.util.Arrays.fill(full, KV_LEN);
                Tensor table = pageTable(16, 3, full);
                Result got = kernel.run(q, paged(k, table, 16, full), paged(v, table, 16, full), Map.of());
                assertArrayEquals(want.o().toFloatArray(), got.o().toFloatArray(), backend.name());
                assertArrayEquals(want.lse().toFloatArray(), got.lse().toFloatArray(), backend.name());
            }
        }
    }

    /**
     * A causal mask aligned to each sequence's end ({@code q + KV_LEN - Q_LEN >= kv}, KV_LEN its own
     * length): each sequence gives what it gives alone, run with K and V cut to its length.
     */
    @Test
    void eachSequenceIsTheCallOfItsOwnLength() throws Exception {
        Sizes s = new Sizes(LENGTHS.length, 4, 2, 4, KV_LEN, 16);
        Tensor q = Tensor.random(DType.F32, 1, s.B(), s.H(), s.Q_LEN(), s.D());
        Tensor k = Tensor.random(DType.F32, 2, s.B(), s.H_KV(), KV_LEN, s.D());
        Tensor v = Tensor.random(DType.F32, 3, s.B(), s.H_KV(), KV_LEN, s.D());
        var program = Attnc.compile("decode.attn", "attention decode { mask = q + KV_LEN - Q_LEN >= kv }");
        for (Backend backend : backends()) {
            try (AttentionKernel kernel = program.kernel(null, backend)) {
                Result all = kernel.run(q, k, v, Map.of(), Double.NaN, Tensor.ofInts(LENGTHS, LENGTHS.length));
                for (int b = 0; b < s.B(); b += 2) { // lengths 57 and 112 (0 has nothing to run alone)
                    long[] kvStrides = {0, (long) KV_LEN * s.D(), s.D(), 1};
                    long kvAt = (long) b * s.H_KV() * KV_LEN * s.D();
                    long[] kvShape = {1, s.H_KV(), LENGTHS[b], s.D()};
                    Tensor qb = Tensor.view(q, (long) b * s.H() * s.Q_LEN() * s.D(), new long[] {1, s.H(), s.Q_LEN(), s.D()},
                            new long[] {0, (long) s.Q_LEN() * s.D(), s.D(), 1});
                    Result alone = kernel.run(qb, Tensor.view(k, kvAt, kvShape, kvStrides), Tensor.view(v, kvAt, kvShape, kvStrides), Map.of());
                    float[] got = all.o().toFloatArray(), want = alone.o().toFloatArray();
                    float[] mine = java.util.Arrays.copyOfRange(got, b * want.length, (b + 1) * want.length);
                    org.junit.jupiter.api.Assertions.assertArrayEquals(want, mine, 1e-5f, backend.name() + " sequence " + b);
                }
                float[] lse = all.lse().toFloatArray();
                int perSequence = s.H() * s.Q_LEN();
                for (int i = perSequence; i < 2 * perSequence; i++) {
                    org.junit.jupiter.api.Assertions.assertEquals(Float.NEGATIVE_INFINITY, lse[i], "length 0 keeps nothing");
                }
            }
        }
    }

    /** The plan cache keys on the lengths' contents: a decode loop that rewrites its lengths tensor gets a new plan. */
    @Test
    void plansFollowTheLengthsContents() throws Exception {
        Tensor q = Tensor.random(DType.F32, 1, 3, 2, 4, 16);
        Tensor k = Tensor.random(DType.F32, 2, 3, 2, KV_LEN, 16);
        Tensor lens = Tensor.ofInts(LENGTHS, 3);
        try (AttentionKernel kernel = Attnc.compile(Repo.sample("full")).kernel(null, CPU)) {
            var first = kernel.prepare(q, k, k, Map.of(), Double.NaN, lens).inputs().plan();
            org.junit.jupiter.api.Assertions.assertSame(first, kernel.prepare(q, k, k, Map.of(), Double.NaN, lens).inputs().plan());
            lens.setDouble(2, 20);
            var second = kernel.prepare(q, k, k, Map.of(), Double.NaN, lens).inputs().plan();
            org.junit.jupiter.api.Assertions.assertNotSame(first, second);
            assertTrue(second.counts(2)[0] > first.counts(2)[0], "sequence 2 now has fewer keys, so more EMPTY tiles");
        }
    }

    @Test
    void aLengthOutsideTheKeysIsRefusedNamingTheSequence() throws Exception {
        String e = refusal(keys(), Tensor.ofInts(new int[] {5, 113, 0}, 3));
        assertTrue(e.contains("kvLens[1] = 113"), e);
    }

    @Test
    void aPageIndexOutsideThePagesIsRefusedBeforeAnyKernelRuns() throws Exception {
        Tensor table = pageTable(16, 4);
        Tensor pages = pagesOf(keys(), table, 16);
        Tensor bad = table.copy();
        bad.setDouble(2 * table.dim(1) + 3, pages.dim(0)); // sequence 2 (full length) reads page index 3
        String e = refusal(Tensor.paged(pages, bad), Tensor.ofInts(LENGTHS, 3));
        assertTrue(e.contains("sequence b = 2, page index 3") && e.contains("holds " + pages.dim(0)), e);
    }

    @Test
    void wrongShapesAreRefused() throws Exception {
        String lens = refusal(keys(), Tensor.ofInts(new int[] {1, 2}, 2));
        assertTrue(lens.contains("kvLens must be an int tensor of shape [3]"), lens);
        Tensor twoSequences = Tensor.ofInts(new int[14], 2, 7);
        String batch = refusal(Tensor.paged(Tensor.random(DType.F32, 4, 7, 16, 2, 16), twoSequences), null);
        assertTrue(batch.contains("same batch size B"), batch);
        var rank = assertThrows(AttnInputException.class, () -> Tensor.paged(Tensor.random(DType.F32, 4, 7, 16, 32), twoSequences));
        assertTrue(rank.getMessage().contains("[num_pages, page_size, H_KV, D]"), rank.getMessage());
    }

    /** K (and V) [3, 2, KV_LEN, 16] for the error tests. */
    private static Tensor keys() {
        return Tensor.random(DType.F32, 2, 3, 2, KV_LEN, 16);
    }

    /** The message with which a causal call of one query row on these K and V (and lengths) is refused. */
    private static String refusal(Tensor kv, Tensor kvLens) throws Exception {
        Tensor q = Tensor.random(DType.F32, 1, 3, 2, 1, 16);
        try (AttentionKernel kernel = Attnc.compile(Repo.sample("causal")).kernel(null, CPU)) {
            return assertThrows(AttnInputException.class, () -> kernel.run(q, kv, kv, Map.of(), Double.NaN, kvLens)).getMessage();
        }
    }

    @Test
    void theBackwardRefusesLengthsAndPagesBeforeAnyWork() throws Exception {
        Tensor q = Tensor.random(DType.F32, 1, 3, 2, 4, 16);
        Tensor k = Tensor.random(DType.F32, 2, 3, 2, KV_LEN, 16);
        try (AttentionKernel kernel = Attnc.compile(Repo.sample("causal")).kernel(null, CPU)) {
            var p = kernel.prepare(q, k, k, Map.of(), Double.NaN, Tensor.ofInts(LENGTHS, 3));
            var e = assertThrows(AttnInputException.class, () -> kernel.checkBackwardSupported(p));
            assertTrue(e.getMessage().contains("per-sequence lengths"), e.getMessage());
        }
    }

    /** K or V with NaN in every row past its sequence's length (rows the call must not read). */
    private static Tensor pastLengthsNaN(Tensor t) {
        long heads = t.dim(1), d = t.dim(3);
        for (int b = 0; b < LENGTHS.length; b++) {
            for (long h = 0; h < heads; h++) {
                for (long kv = LENGTHS[b]; kv < KV_LEN; kv++) {
                    for (long x = 0; x < d; x++) t.setFloat(((b * heads + h) * KV_LEN + kv) * d + x, Float.NaN);
                }
            }
        }
        return t;
    }

    private static Tensor pageTable(int pageSize, long seed) {
        return pageTable(pageSize, seed, LENGTHS);
    }

    private static Tensor pageTable(int pageSize, long seed, int[] lengths) {
        return PagedCaches.pageTable(KV_LEN, pageSize, seed, lengths);
    }

    private static Tensor paged(Tensor t, Tensor table, int pageSize) {
        return paged(t, table, pageSize, LENGTHS);
    }

    private static Tensor paged(Tensor t, Tensor table, int pageSize, int[] lengths) {
        return Tensor.paged(pagesOf(t, table, pageSize, lengths), table);
    }

    private static Tensor pagesOf(Tensor t, Tensor table, int pageSize) {
        return pagesOf(t, table, pageSize, LENGTHS);
    }

    private static Tensor pagesOf(Tensor t, Tensor table, int pageSize, int[] lengths) {
        return PagedCaches.pagesOf(t, table, pageSize, lengths);
    }
}
