package dev.attnc.compiler.codegen.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnc.compiler.TestPrograms;
import dev.attnc.compiler.codegen.KernelSignature;
import dev.attnc.compiler.codegen.c.Dialect;
import dev.attnc.compiler.codegen.c.Storage;
import dev.attnc.compiler.ir.Attention;
import dev.attnc.testkit.Repo;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The generated CUDA backward (no GPU here: its text; the kernels run in CudaBackwardGpuTest and on
 * the CPU emulator, bench/gpu/emu/run-backward.sh): every sample's program at every supported head
 * dimension, in both storages and both forms of dQ, declares its four signatures as they are bound;
 * no user text. The whole program of one sample, in each form, is a golden of KernelEngineGoldenTest.
 */
class CudaBackwardCodegenTest {
    @TestFactory
    Stream<DynamicTest> everySampleDeclaresItsSignatures() {
        return Repo.samples().stream().flatMap(p -> TestPrograms.sampleAttentions(p).stream()).flatMap(a -> Stream.of(32, 64, 128)
                .flatMap(d -> Stream.of(Storage.BF16, Storage.F16).flatMap(s -> Stream.of(DqForm.values()).flatMap(f -> Stream.of(false, true)
                        .filter(wgmma -> !wgmma || CudaBackwardCodegen.wgmmaFits(d)).map(wgmma -> DynamicTest.dynamicTest(
                        a.name() + " D = " + d + " " + s.word + " " + f + (wgmma ? " wgmma" : ""), () -> {
                    CudaBackwardSource k = CudaBackwardCodegen.generate(a, s, d, f, wgmma);
                    // wgmma: S^T and dP^T (S and dP in the dQ kernel) as one group of ss, dV and dK (dQ) rs; mma.sync: none
                    assertEquals(wgmma ? (f == DqForm.ATOMIC ? 1 : 2) : 0, k.text().split("wgmma_abt\\(s\\[0\\], smem0, smem0 \\+ st\\);", -1).length - 1);
                    assertEquals(wgmma, k.text().contains("wgmma_pb(acc_dk, dsa,") && k.text().contains("fence_proxy_async();"));
                    // dQ += dS K: the atomic form's from dS^T in shared memory (ss), the dQ kernel's from registers (rs)
                    assertEquals(wgmma && f == DqForm.ATOMIC, k.text().contains("wgmma_dsk(acc_dq"));
                    assertEquals(wgmma && f == DqForm.DETERMINISTIC, k.text().contains("wgmma_pb(acc_dq, dsa,"));
                    for (var e : List.of(Map.entry(CudaBackwardSource.DELTA, k.delta()), Map.entry(CudaBackwardSource.DKDV, k.dkdv()),
                            Map.entry(k.dqEntry(), k.dq()), Map.entry(CudaBackwardSource.REDUCE, k.reduce()))) {
                        assertEquals(e.getValue().declarations(Dialect.CUDA, "attn_elem"), KernelSignature.printedParameters(k.text(), e.getKey()),
                                e.getKey());
                    }
                    // the mask runs on PARTIAL tiles only: FULL tiles' pairs keep every pair
                    assertTrue(k.text().contains("const bool keep = true;"), "a FULL branch");
                    // the atomic form has no second pass: 5 products a pair (S^T, dP^T, dV, dK, dQ) instead of 7
                    assertEquals(f == DqForm.DETERMINISTIC, k.text().contains(CudaBackwardSource.DQ + "("), "the dQ kernel");
                    assertEquals(f == DqForm.ATOMIC, k.text().contains(CudaBackwardSource.DQ_CONVERT + "("), "the conversion");
                }))))));
    }

    /**
     * The warp-specialized kernel's pairs run in two passes (P while dP^T is on the tensor cores) where the score has
     * arithmetic of its own and no gather per pair; a table read at kv − q has its gradient summed along the diagonals
     * (from dS itself where ∂s/∂θ = ∂s/∂s0, else in an accumulator), a table read elsewhere per pair keeps one atomic a pair.
     */
    @Test
    void theHopperKernelsPairsAndDiagonalSums() {
        record Case(String program, boolean split, String flush) {}
        for (Case c : List.of(new Case("attention t() { score = score }", false, null),
                new Case("attention t(slopes: float[H]) { score = score + slopes[h] * float(kv - q)\n mask = q >= kv }", true, null),
                new Case("attention t(cap: float) { score = cap * tanh(score / cap) }", false, null),
                new Case("attention t(bias: float[H, 2 * KV_LEN]) { score = score + bias[h, kv - q + KV_LEN] }", false, "float v = dp[0]"),
                new Case("attention t(bias: float[H, 2 * KV_LEN]) { score = score + bias[h, kv - q + KV_LEN] * float(kv) }", false,
                        "float v = attn_dg0[sl];"),
                new Case("attention t(bias: float[H, 2 * KV_LEN]) { score = score + bias[h, kv + q] }", false, null))) {
            String text = CudaBackwardCodegen.generate(TestPrograms.optimized(c.program()), Storage.BF16, 128, 128, DqForm.ATOMIC,
                    CudaCodegen.Engine.HOPPER).text();
            assertEquals(c.split(), text.contains("wgmma_wait<1>(); // S^T is done"), c.program());
            assertEquals(c.split(), text.contains("lds_after_wait(delta_st"), c.program());
            assertEquals(c.flush() != null, text.contains("__shfl_down_sync(0xffffffffu, v, 9)"), c.program());
            if (c.flush() != null) assertTrue(text.contains(c.flush()), c.program());
        }
    }

    /** A frozen parameter (Attention.withoutGradients) has no gradient output and no terms in any kernel; its reads stay. */
    @Test
    void aFrozenParameterHasNoGradientCode() {
        Attention alibi = TestPrograms.optimized("attention t(slopes: float[H]) { score = score + slopes[h] * float(kv - q)\n mask = q >= kv }");
        for (DqForm form : DqForm.values()) {
            // the warp-specialized kernel sends dQ through atomics; the deterministic form is the FA2-style kernels'
            CudaCodegen.Engine engine = form == DqForm.ATOMIC ? CudaCodegen.Engine.HOPPER : CudaCodegen.Engine.MMA_SYNC;
            String learned = CudaBackwardCodegen.generate(alibi, Storage.BF16, 128, 128, form, engine).text();
            String fixed = CudaBackwardCodegen.generate(alibi.withoutGradients(List.of("slopes")), Storage.BF16, 128, 128, form, engine).text();
            assertTrue(learned.contains("attn_grad_add(grad_"), form.toString());
            assertFalse(fixed.contains("attn_grad_add(grad_") || fixed.contains("attn_acc") || fixed.contains("float* grad_"), form.toString());
            assertTrue(fixed.contains("slopes"), form + ": the score still reads the slopes");
        }
    }

    /**
     * Where a gradient is summed along diagonals, the warp-specialized program has a second dK/dV kernel with
     * atomic_params fixed to 1 (the runtime launches it where the sums are atomic): the relative bias's per-pair slot
     * code is dead in it, the diagonal sums stay. Without parameters, with a gradient summed in an accumulator
     * (ALiBi's), and on mma.sync there is one kernel.
     */
    @Test
    void aSecondDkdvKernelFixesAtomicSums() {
        String bias = "attention t(bias: float[H, 2 * KV_LEN]) { score = score + bias[h, kv - q + KV_LEN] }";
        CudaBackwardSource k = CudaBackwardCodegen.generate(TestPrograms.optimized(bias), Storage.BF16, 128, 128, DqForm.ATOMIC,
                CudaCodegen.Engine.HOPPER);
        assertTrue(k.atomicSumsEntry());
        assertEquals(CudaBackwardSource.DKDV_ATOMIC_PARAMS, k.dkdvEntry(true));
        assertEquals(CudaBackwardSource.DKDV, k.dkdvEntry(false));
        assertEquals(List.of(CudaBackwardSource.DKDV, CudaBackwardSource.DKDV_ATOMIC_PARAMS), k.dkdvEntries());
        String text = k.text();
        int second = text.indexOf(CudaBackwardSource.DKDV_ATOMIC_PARAMS + "(");
        assertTrue(second > text.indexOf(CudaBackwardSource.DKDV + "("), "both kernels");
        String atomic = text.substring(second, text.indexOf(CudaBackwardSource.DQ_CONVERT + "("));
        assertTrue(atomic.contains("constexpr int atomic_params = 1;"), "atomic_params fixed");
        assertTrue(atomic.contains("__shfl_down_sync(0xffffffffu, v, 9)"), "the diagonal sums");
        assertTrue(atomic.contains("if (!atomic_params) attn_grad_add("), "the slot code, dead under the constant");
        record One(String program, CudaCodegen.Engine engine) {}
        for (One c : List.of(new One("attention t() { score = score }", CudaCodegen.Engine.HOPPER),
                new One("attention t(slopes: float[H]) { score = score + slopes[h] * float(kv - q) }", CudaCodegen.Engine.HOPPER),
                new One(bias, CudaCodegen.Engine.MMA_SYNC))) {
            CudaBackwardSource one = CudaBackwardCodegen.generate(TestPrograms.optimized(c.program()), Storage.BF16, 128, 128, DqForm.ATOMIC,
                    c.engine());
            assertFalse(one.atomicSumsEntry(), c.toString());
            assertFalse(one.text().contains(CudaBackwardSource.DKDV_ATOMIC_PARAMS), c.toString());
            assertEquals(CudaBackwardSource.DKDV, one.dkdvEntry(true), c.toString());
            assertEquals(List.of(CudaBackwardSource.DKDV), one.dkdvEntries(), c.toString());
        }
    }

    /**
     * The warp-specialized kernel's FULL tiles convert an int affine in q and kv to float once per thread and tile and
     * add each element's offset (a constant of the unrolled loops); the PARTIAL code, which also takes a tile whose
     * bases are too large to add exactly in some lane, converts per pair; a conversion of anything else stays per pair.
     */
    @Test
    void affineConversionsOncePerTile() {
        String program = """
                attention t(slopes: float[H]) {
                    score = score + slopes[h] * float(2 * (kv - q) + h) + 0.001 * float(q * kv)
                }
                """;
        String text = CudaBackwardCodegen.generate(TestPrograms.optimized(program), Storage.BF16, 64, 64, DqForm.ATOMIC,
                CudaCodegen.Engine.HOPPER).text();
        assertTrue(text.contains("const int q = q0 + 2 * lane_col, kv = k0 + row0 + lane_row;"), "the bases");
        assertTrue(text.contains("const float attn_fb0 = (float)attn_ab0;"), "converted once");
        assertTrue(text.contains("attn_fb0 + (float)(-2 * ((ci / 2) * 8 + (ci & 1)) + 2 * ((ri & 1) * 8))"), "the element's offset");
        assertFalse(text.contains("attn_fb1"), "q * kv is not affine");
        assertTrue(text.contains("!__all_sync(0xffffffffu, (unsigned)(attn_ab0 + 0x800000) < 0x1000000u)"), "exact or the PARTIAL code");
        String partial = text.substring(text.indexOf("if (edge) {"), text.indexOf("} else {", text.indexOf("if (edge) {")));
        assertFalse(partial.contains("attn_fb0"), "the PARTIAL code converts per pair");
        String mma = CudaBackwardCodegen.generate(TestPrograms.optimized(program), Storage.BF16, 64, 64, DqForm.ATOMIC,
                CudaCodegen.Engine.MMA_SYNC).text();
        assertFalse(mma.contains("attn_fb0"), "the FA2-style kernels convert per pair");
        String far = CudaBackwardCodegen.generate(TestPrograms.optimized("attention far() { score = score + float(kv - q + 10000000) * 0.0000001 }"),
                Storage.BF16, 64, 64, DqForm.ATOMIC, CudaCodegen.Engine.HOPPER).text();
        assertTrue(far.contains("attn_ab0 = ((kv - q) + 10000000);"), "the base, fixed terms and all");
    }

    /**
     * The warp-specialized kernel's producer is one thread: it copies each query tile's LSE·log2 e and Δ in one bulk copy
     * from the tiles Δ writes (tile_stats, FlashAttention-3's LSE_log2 and dPsum), not from LSE and Δ, which it no longer
     * takes; its full barriers count its arrival alone.
     */
    @Test
    void theProducerCopiesEachTilesStatsThatDeltaWrote() {
        CudaBackwardSource k = CudaBackwardCodegen.generate(TestPrograms.sample("causal"), Storage.BF16, 128, 128, DqForm.ATOMIC,
                CudaCodegen.Engine.HOPPER);
        assertTrue(k.delta().fixedNames().contains("tile_stats"), "Δ writes them");
        assertTrue(k.dkdv().fixedNames().contains("tile_stats"));
        assertFalse(k.dkdv().fixedNames().contains("LSE") || k.dkdv().fixedNames().contains("Delta"), "read from the tiles only");
        assertTrue(k.text().contains("put_delta(q_first + r, sum - dLSE[first + r]);")
                && k.text().contains("tile[q % TILE] = lse2_of(LSE[bh * Q_LEN + q], true);"));
        assertTrue(k.text().contains("bulk_load(smem0 + WS_STATS_OFF + st * WS_STATS_FLOATS * 4, tile_stats + ws_stats_tile((long long)b * H + h, qt, Q_LEN),"));
        assertTrue(k.text().contains("float* const tile = tile_stats + ws_stats_tile(bh, blockIdx.x, Q_LEN);"), "Δ writes the same tile");
        assertTrue(k.text().contains("mbar_init(smem0 + ws_bar_full(s), 1);"));
        assertEquals(2L * 3 * 2 * 2 * 64, CudaBackwardCodegen.tileStatsFloats(2, 3, 65), "two 64-row tiles of 65 rows");
    }

    /**
     * After the warp-specialized kernel, dQ's conversion waits for its tile's (b, KV head) units, which the producer
     * counts done once the consumers freed their K / V, not for the whole kernel; after the other engines, for the kernel.
     */
    @Test
    void theConversionFollowsEachHeadsUnits() {
        CudaBackwardSource ws = CudaBackwardCodegen.generate(TestPrograms.sample("gqa_causal"), Storage.BF16, 128, 128, DqForm.ATOMIC,
                CudaCodegen.Engine.HOPPER);
        assertTrue(ws.dq().fixedNames().contains("dkdv_units"));
        String convert = ws.text().substring(ws.text().indexOf("attnc_bwd_dq_convert("));
        assertTrue(convert.contains("if (tid == 0) wait_units_done(dkdv_units + 1 + (long long)(bh / H) * H_KV + (bh % H) / (H / H_KV), "
                + "(KV_LEN + WS_KEYS - 1) / WS_KEYS);"), "by KV head");
        assertTrue(convert.contains("__ldcg(block + (warp * DT + dt) * 32 + lane)"), "through L2: written while the grid ran");
        assertTrue(convert.contains("if (blockIdx.x == gridDim.x - 1 && blockIdx.y == gridDim.y - 1) grid_dependency_wait();"));
        assertTrue(ws.text().contains("release_slot_unit_done(dkdv_units, smem0 + WS_UNIT_OFF + 4 * ((n - WS_KV_BUFS) % WS_UNIT_SLOTS), "
                + "q_tiles);"), "the producer counts unit n - WS_KV_BUFS");
        assertTrue(ws.text().contains("release_unit_done(dkdv_units + 1 + ld_shared_volatile(slot_addr) / q_tiles);"), "at its (b, KV head)");
        // once unit n's ring is full, or at its end where it has fewer items: not before the copies the consumers wait for
        assertTrue(ws.text().contains("if (n >= WS_KV_BUFS && it - unit_it == WS_STAGES)\n"), "after the unit's first WS_STAGES items");
        assertTrue(ws.text().contains("if (n >= WS_KV_BUFS && it - unit_it <= WS_STAGES)\n"), "or after its last");
        assertTrue(ws.text().contains("for (long long i = block * 256 + threadIdx.x; i < 1 + (long long)B * H; i += blocks * 256) dkdv_units[i] = 0;"));
        assertEquals(1 + 2L * 3, CudaBackwardCodegen.unitCounts(2, 3), "the count taken, then one a (b, h)");
        assertEquals(64, CudaBackwardCodegen.keyBlocks(8192));
        assertEquals(2, CudaBackwardCodegen.keyBlocks(129));
        CudaBackwardSource mma = CudaBackwardCodegen.generate(TestPrograms.sample("gqa_causal"), Storage.BF16, 128, 128, DqForm.ATOMIC,
                CudaCodegen.Engine.MMA_SYNC);
        assertFalse(mma.dq().fixedNames().contains("dkdv_units"));
        assertTrue(mma.text().contains("grid_dependency_wait(); // dQaccum, complete (a dependent launch)"));
    }

    /**
     * Not where a gradient is summed along diagonals (the learned relative bias: measured slower so, docs/benchmarks.md,
     * session 25): the kernels are those before the follow, the conversion waits for the whole kernel, the producer
     * counts nothing and Δ zeroes the scheduler's one count.
     */
    @Test
    void theConversionWaitsForTheWholeKernelWhereGradientsAreSummedAlongDiagonals() {
        for (int d : new int[] {64, 128}) {
            CudaBackwardSource src = CudaBackwardCodegen.generate(TestPrograms.sample("relative_bias"), Storage.BF16, d, d, DqForm.ATOMIC,
                    CudaCodegen.Engine.HOPPER);
            assertFalse(src.dq().fixedNames().contains("dkdv_units"), "D = " + d);
            assertTrue(src.text().contains("grid_dependency_wait(); // dQaccum, complete (a dependent launch)"));
            assertFalse(src.text().contains("release_unit_done"));
            assertFalse(src.text().contains("release_slot_unit_done"));
            assertFalse(src.text().contains("wait_units_done"));
            assertTrue(src.text().contains("if (u >= units) break;"));
            assertTrue(src.text().contains("if (blockIdx.x == 0 && blockIdx.y == 0 && threadIdx.x == 0) *dkdv_units = 0;"));
        }
    }

    /**
     * The warp-specialized kernel is persistent: its units come from a counter that Δ zeroes, as it zeroes dQaccum; and
     * it keeps two K / V buffers where they fit in {@link CudaBackwardCodegen#TWO_KV_BUFFERS_MAX_BYTES}: at D = 64, not at
     * D = 128 (where two ran slower).
     */
    @Test
    void thePersistentKernelsSchedulerAndItsKvBuffers() {
        for (int d : new int[] {64, 128}) {
            CudaBackwardSource k = CudaBackwardCodegen.generate(TestPrograms.sample("sliding_window"), Storage.BF16, d, d, DqForm.ATOMIC,
                    CudaCodegen.Engine.HOPPER);
            assertTrue(k.delta().fixedNames().containsAll(List.of("dQaccum", "dkdv_units")), "Δ zeroes both");
            assertTrue(k.dkdv().fixedNames().contains("dkdv_units"));
            assertTrue(k.text().contains("u = (int)gridDim.x + atomicAdd(dkdv_units, 1);"), "the next unit from the counter");
            int buffers = d == 64 ? 2 : 1;
            assertEquals(buffers, CudaBackwardCodegen.kvBuffers(d, 0, 0));
            assertTrue(k.text().contains("constexpr int WS_KV_BUFS = " + buffers + ";"), "D = " + d);
            assertEquals(CudaBackwardCodegen.hopperSharedBytes(d, 0, 0, buffers), k.sharedBytes());
            assertTrue(k.sharedBytes() <= CudaBackwardCodegen.TWO_KV_BUFFERS_MAX_BYTES || buffers == 1);
        }
        // the FA2-style atomic form: Δ zeroes dQaccum, no scheduler, no tile stats; the deterministic form has no dQaccum
        CudaBackwardSource fa2 = CudaBackwardCodegen.generate(TestPrograms.sample("causal"), Storage.BF16, 64, 64, DqForm.ATOMIC,
                CudaCodegen.Engine.MMA_SYNC);
        assertTrue(fa2.delta().fixedNames().contains("dQaccum"));
        assertFalse(fa2.delta().fixedNames().contains("dkdv_units"));
        assertFalse(fa2.delta().fixedNames().contains("tile_stats"));
        CudaBackwardSource deterministic = CudaBackwardCodegen.generate(TestPrograms.sample("causal"), Storage.BF16, 64, 64,
                DqForm.DETERMINISTIC, CudaCodegen.Engine.MMA_SYNC);
        assertFalse(deterministic.delta().fixedNames().contains("dQaccum"));
    }

    /**
     * The warp-specialized consumers compute a PARTIAL tile's column values (functions of the query alone) once a
     * warpgroup into shared memory and read them back: the 2-d neighborhood's two grid coordinates, the document
     * mask's id; a loop that computes nothing (causal, the sliding window: the query itself) has no such step. The
     * FA2-style kernels keep their per-thread loop.
     */
    @Test
    void partialTilesColumnValuesOnceAWarpgroup() {
        record Case(String sample, int values) {}
        for (Case c : List.of(new Case("neighborhood_2d", 2), new Case("document", 1), new Case("causal", 0), new Case("sliding_window", 0))) {
            for (int d : new int[] {64, 128}) {
                CudaBackwardSource k = CudaBackwardCodegen.generate(TestPrograms.sample(c.sample()), Storage.BF16, d, d, DqForm.ATOMIC,
                        CudaCodegen.Engine.HOPPER);
                String what = c + " D = " + d;
                assertTrue(k.text().contains("constexpr int WS_COLUMN_VALUES = " + c.values() + ";"), what);
                assertEquals(CudaBackwardCodegen.hopperSharedBytes(d, 0, c.values(), CudaBackwardCodegen.kvBuffers(d, 0, c.values())),
                        k.sharedBytes(), what);
                assertEquals(c.values() > 0, k.text().contains("named_bar_sync<128>(2 + cw);"), what);
                // once in the ragged code, once in the masked code (an identity score's PARTIAL tiles inside both lengths)
                assertEquals(2 * c.values(), count(k.text(), " * TILE + attn_cq] = "), what + ": one store a value in each");
            }
            String fa2 = CudaBackwardCodegen.generate(TestPrograms.sample(c.sample()), Storage.BF16, 64, 64, DqForm.ATOMIC,
                    CudaCodegen.Engine.MMA_SYNC).text();
            assertFalse(fa2.contains("attn_cols"), c + ": the FA2-style kernels");
        }
    }

    /**
     * The warp-specialized consumers give a PARTIAL tile that crosses no end code of its own where the score is the
     * identity: the mask alone, positions as they are, no test of the lengths; the ragged code (clamps, the ends'
     * tests) is left to the tiles at an end. A score's variant, a variant without a mask and the FA2-style kernels
     * keep two codes.
     */
    @Test
    void partialTilesInsideBothLengthsTakeTheMaskAlone() {
        for (int d : new int[] {64, 128}) {
            for (String sample : List.of("sliding_window", "causal", "document", "neighborhood_2d")) {
                String k = CudaBackwardCodegen.generate(TestPrograms.sample(sample), Storage.BF16, d, d, DqForm.ATOMIC,
                        CudaCodegen.Engine.HOPPER).text();
                String what = sample + " D = " + d;
                assertEquals(1, count(k, "} else if (partial) {"), what);
                assertTrue(k.contains("const bool edge = k0 + TILE > KV_LEN || q0 + TILE > Q_LEN;"), what + ": only the ends take the ragged code");
                String masked = k.substring(k.indexOf("} else if (partial) {"), k.indexOf("} else {", k.indexOf("} else if (partial) {")));
                assertTrue(masked.contains("const int q = q_raw, kv = kv_raw;"), what + ": positions as they are");
                assertFalse(masked.contains("q_raw < Q_LEN") || masked.contains("min(q_raw"), what + ": no test or clamp of the ends");
                assertTrue(masked.contains("const bool keep = "), what + ": the mask");
            }
            for (String sample : List.of("alibi", "full", "softcap")) {
                String k = CudaBackwardCodegen.generate(TestPrograms.sample(sample), Storage.BF16, d, d, DqForm.ATOMIC,
                        CudaCodegen.Engine.HOPPER).text();
                assertFalse(k.contains("} else if (partial) {"), sample + " D = " + d);
                assertTrue(k.contains("const bool edge = partial || k0 + TILE > KV_LEN"), sample + " D = " + d);
            }
        }
        String fa2 = CudaBackwardCodegen.generate(TestPrograms.sample("sliding_window"), Storage.BF16, 64, 64, DqForm.ATOMIC,
                CudaCodegen.Engine.MMA_SYNC).text();
        assertFalse(fa2.contains("} else if (partial) {"), "the FA2-style kernels");
    }

    /**
     * Gradients summed along diagonals are reduced per item in shared-memory buffers as far as sm_90's 227 KB holds
     * them (three at D = 128, six at D = 64); the fourth table at D = 128 adds each chain's sum with its own atomic.
     */
    @Test
    void diagonalSumsBufferedAsFarAsSharedMemoryHolds() {
        String four = """
                attention t(t1: float[H, 2 * KV_LEN], t2: float[H, 2 * KV_LEN], t3: float[H, 2 * KV_LEN], t4: float[H, 2 * KV_LEN]) {
                    score = score + t1[h, kv - q + KV_LEN] + t2[h, kv - q + KV_LEN] + t3[h, kv - q + KV_LEN] + t4[h, kv - q + KV_LEN]
                }
                """;
        record Case(int headDim, int buffered) {}
        for (Case c : List.of(new Case(128, 3), new Case(64, 4))) {
            CudaBackwardSource k = CudaBackwardCodegen.generate(TestPrograms.optimized(four), Storage.BF16, c.headDim(), c.headDim(),
                    DqForm.ATOMIC, CudaCodegen.Engine.HOPPER);
            assertTrue(k.sharedBytes() <= 227 * 1024, c + ": " + k.sharedBytes());
            assertEquals(CudaBackwardCodegen.hopperSharedBytes(c.headDim(), c.buffered()), k.sharedBytes(), c.toString());
            String atomic = k.text().substring(k.text().indexOf(CudaBackwardSource.DKDV_ATOMIC_PARAMS + "("));
            assertTrue(k.text().contains("constexpr int WS_DIAG_GRADS = " + c.buffered() + ","), c.toString());
            assertEquals(c.buffered(), count(atomic, "float v = 0.0f;\n"), c + ": one reducer a buffered gradient");
            assertEquals(c.buffered() < 4, atomic.contains("no room for its buffer"), c + ": the chains' own atomics");
        }
    }

    /**
     * A two-pass body whose parameter term reads a per-query value (float(q), computed in the column loop): the
     * second pass has a column loop of its own, since the first pass's arrays are declared inside its tile branch.
     */
    @Test
    void theSecondPassComputesTheColumnValuesItReads() {
        String text = CudaBackwardCodegen.generate(TestPrograms.optimized("attention t(w: float[H]) { score = score + w[h] * float(q) }"),
                Storage.BF16, 128, 128, DqForm.ATOMIC, CudaCodegen.Engine.HOPPER).text();
        assertTrue(text.contains("wgmma_wait<1>(); // S^T is done"), "two passes");
        String second = text.substring(text.indexOf("wgmma_wait<0>();", text.indexOf("// S^T is done")));
        second = second.substring(0, second.indexOf("pack_a(pa, s[0]);"));
        java.util.regex.Matcher read = java.util.regex.Pattern.compile("(c_t\\d+)\\[ci\\]").matcher(second);
        assertTrue(read.find(), "the second pass reads a column value");
        // both tile kinds' second passes declare the array they read, in their own branch
        assertEquals(2, second.split("float " + read.group(1) + "\\[COLS\\];", -1).length - 1, second);
    }

    /** wgmma takes whole 64-column blocks of D with no padding: 64 and 128; the others run on mma.sync. */
    @Test
    void wgmmaTakesDInWholeBlocksOf64() {
        assertEquals(List.of(64, 128), Stream.of(16, 32, 40, 64, 80, 96, 112, 128).filter(CudaBackwardCodegen::wgmmaFits).toList());
        Attention a = TestPrograms.sample("causal");
        assertThrows(IllegalArgumentException.class, () -> CudaBackwardCodegen.generate(a, Storage.BF16, 80, DqForm.ATOMIC, true));
        assertFalse(CudaBackwardCodegen.generate(a, Storage.BF16, 64, DqForm.ATOMIC).text().contains("wgmma_"), "mma.sync: no wgmma at all");
    }

    /** The atomic form's kernels take dQaccum and the parameters' gradient buffers by name, in the order the runtime binds them. */
    @Test
    void theAtomicFormsSignaturesAsBound() {
        Attention a = TestPrograms.sample("gpt_oss");
        CudaBackwardSource k = CudaBackwardCodegen.generate(a, Storage.BF16, 64, DqForm.ATOMIC);
        assertEquals(DqForm.ATOMIC, k.form());
        assertEquals(CudaBackwardSource.DQ_CONVERT, k.dqEntry());
        assertEquals(64 * 72 * 2, k.dqSharedBytes(), "the conversion's rows of dQ on their way out: 64 of D + 8");
        assertTrue(k.text().contains("*reinterpret_cast<uint4*>(dQ + q_base + (long long)q * HEAD_DIM + c * 8)"), "dQ in 16-byte chunks");
        assertEquals(CudaBackwardCodegen.sharedBytes(64, DqForm.DETERMINISTIC) + 64 * 72 * 2, k.sharedBytes(), "dS^T: 64 rows of 72");
        List<String> dkdv = k.dkdv().fixedNames();
        assertTrue(dkdv.containsAll(List.of("dQaccum", "atomic_params", "grad_p0_sinks", "dK", "dV")), dkdv.toString());
        assertFalse(dkdv.contains("dQ"), "dK/dV writes dQaccum, not dQ");
        assertEquals(List.of("dQaccum", "dQ", "LSE", "Delta", "B", "H", "H_KV", "Q_LEN", "KV_LEN", "scale", "atomic_params", "grad_p0_sinks"),
                k.dq().fixedNames());
        // the sink's per-row term goes to the conversion, the keys' kernel has none
        String text = k.text();
        String dkdvText = text.substring(text.indexOf(CudaBackwardSource.DKDV + "("), text.indexOf(CudaBackwardSource.DQ_CONVERT + "("));
        assertFalse(dkdvText.contains("attn_dsink"), "no sink term per key");
        assertTrue(text.substring(text.indexOf(CudaBackwardSource.DQ_CONVERT + "(")).contains("attn_dsink"), "the sink's term per query row");
    }

    /** Names the user chose reach the source only inside mangled identifiers; the attention's name not at all. */
    @Test
    void noUserTextButMangledNames() {
        Attention a = TestPrograms.optimized("""
                attention Zqxname(Wtable: float[H, 9], Wscalar: float = 0.5) {
                    score = score * Wscalar + Wtable[h, clamp(kv - q + 4, 0, 8)]
                }
                """);
        String text = CudaBackwardCodegen.generate(a, Storage.BF16, 64).text();
        assertFalse(text.contains("Zqxname"), text);
        assertEquals(text.split("Wtable", -1).length - 1, text.split("p0_Wtable", -1).length - 1, text);
        assertEquals(text.split("Wscalar", -1).length - 1, text.split("p1_Wscalar", -1).length - 1, text);
        assertTrue(text.contains("grad_p0_Wtable") && text.contains("grad_p1_Wscalar"), text);
    }

    /**
     * Δ reads O and dO in 16-byte loads, a row over DV / 8 lanes, where that is a power of two from 4 to
     * 32 (every load of a warp's 8 rows in flight at once); other widths a row at a time, a lane's
     * elements 32 apart.
     */
    @Test
    void deltaReadsWholeRowsInSixteenByteLoads() {
        Attention a = TestPrograms.sample("causal");
        for (int d : new int[] {32, 64, 128}) {
            String text = CudaBackwardCodegen.generate(a, Storage.BF16, d, d, DqForm.ATOMIC, false).text();
            assertTrue(text.contains("constexpr int LANES = " + d / 8 + ", PASSES = 8 * LANES / 32;"), "D = " + d);
            assertFalse(text.contains("for (int d = lane; d < HEAD_DIM; d += 32)"), "D = " + d);
        }
        for (int d : new int[] {16, 48, 80, 96}) {
            String text = CudaBackwardCodegen.generate(a, Storage.BF16, d, d, DqForm.ATOMIC, false).text();
            assertTrue(text.contains("for (int d = lane; d < HEAD_DIM; d += 32)"), "D = " + d);
            assertFalse(text.contains("constexpr int LANES"), "D = " + d);
        }
    }

    /**
     * DV != D (DeepSeek MLA's 192 / 128, and DV > D): V's, O's, dO's and dV's rows are VALUE_DIM, loaded
     * and stored at that length; dP (dP^T) over VALUE_DIM's k16 steps; dQ, dK and dQaccum stay over D;
     * the tiles as wide as the padded larger of the two.
     */
    @Test
    void aValueDimensionOtherThanD() {
        Attention a = TestPrograms.sample("causal");
        for (DqForm f : DqForm.values()) {
            String text = CudaBackwardCodegen.generate(a, Storage.BF16, 192, 128, f, false).text();
            assertTrue(text.contains("#define HEAD_DIM 192\n#define VALUE_DIM 128"), text);
            assertTrue(text.contains("#define TILE_D 256"), "192 columns are not whole rows of 128 threads' chunks: 256");
            assertTrue(text.contains("constexpr int VDT = 2 * VKT;"), "dV's accumulators over DV");
            assertTrue(text.contains("reinterpret_cast<const uint4*>(dO + (first + r) * VALUE_DIM)[lane % LANES]")
                    && text.contains("constexpr int LANES = 16,"), "Δ over DV: 16 lanes of 8 elements a row");
            assertTrue(text.contains("load_tile<TILE, VALUE_DIM, VDT>(sV, V + v_base, k0, KV_LEN, tid);"), "V's rows of VALUE_DIM");
            assertTrue(text.contains("dO + bh * Q_LEN * VALUE_DIM, q0, Q_LEN, tid);"), "dO's rows of VALUE_DIM");
            assertTrue(text.contains("load_tile<TILE>(sK, K + kv_base, k0, KV_LEN, tid);"), "K's rows of HEAD_DIM");
            assertTrue(text.contains("float acc_dk[DT][4], acc_dv[VDT][4];"));
            assertTrue(text.contains("mma_abt<VKT>(dp[0],"), "dP^T = V dO^T over DV");
            assertTrue(text.contains("store_rows<VALUE_DIM>(dV + v_base, acc_dv,"), "dV's rows of VALUE_DIM");
            assertTrue(text.contains("store_rows(dK + kv_base, acc_dk,") && text.contains("store_rows(dQ + q_base, acc_dq,"), "dK, dQ over D");
            assertEquals(f == DqForm.DETERMINISTIC, text.contains("(long long)bh * Q_LEN * VALUE_DIM, q0, Q_LEN, tid);"), "the dQ kernel's dO");
        }
        // the tiles: 6 of 64 rows by 256 columns, the LSE and Δ stages, the atomic form's dS^T
        assertEquals(6 * 64 * 256 * 2 + 4 * 64 * 4 + 64 * 72 * 2, CudaBackwardCodegen.generate(a, Storage.BF16, 192, 128, DqForm.ATOMIC, false).sharedBytes());
        assertEquals(CudaBackwardCodegen.sharedBytes(128, DqForm.DETERMINISTIC), CudaBackwardCodegen.sharedBytes(64, 128, DqForm.DETERMINISTIC));
        assertTrue(CudaBackwardCodegen.generate(a, Storage.F16, 32, 64, DqForm.DETERMINISTIC, false).text().contains("#define TILE_D 64"));
        // DV = D through the same call: no VALUE_DIM, the text of the call without it
        assertEquals(CudaBackwardCodegen.generate(a, Storage.BF16, 64, DqForm.ATOMIC).text(),
                CudaBackwardCodegen.generate(a, Storage.BF16, 64, 64, DqForm.ATOMIC, false).text());
        assertFalse(CudaBackwardCodegen.generate(a, Storage.BF16, 64, DqForm.ATOMIC).text().contains("VALUE_DIM"));
        // wgmma takes DV = D only
        assertThrows(IllegalArgumentException.class, () -> CudaBackwardCodegen.generate(a, Storage.BF16, 128, 64, DqForm.ATOMIC, true));
    }

    /** DV != D: each a tile width's head dimension, and dK and dV of 16 keys in a warp's registers (D + DV ≤ 320). */
    @Test
    void valueDimensionsItCannotHoldAreRefusedWithTheLimit() {
        assertNull(CudaBackwardCodegen.unsupported(192, 128));
        assertNull(CudaBackwardCodegen.unsupported(64, 256));
        assertEquals(CudaBackwardCodegen.unsupported(160), CudaBackwardCodegen.unsupported(160, 160), "DV = D: the backward's own limit");
        assertEquals("the CUDA backward with DV ≠ D supports head dimensions that are multiples of 8 from 16 to 256, not 320",
                CudaBackwardCodegen.unsupported(64, 320));
        assertEquals("the CUDA backward keeps 16 keys' dK and dV in a warp's registers, D + DV up to 320 (D = 192 with DV = 128), not D = 256, DV = 128",
                CudaBackwardCodegen.unsupported(256, 128));
        assertThrows(IllegalArgumentException.class, () -> CudaBackwardCodegen.generate(TestPrograms.sample("causal"), Storage.BF16, 192, 192, DqForm.ATOMIC, false));
    }

    @Test
    void headDimensionsItCannotHoldAreRefusedWithTheLimit() {
        assertNull(CudaBackwardCodegen.unsupported(128));
        assertEquals("the CUDA backward supports head dimensions that are multiples of 8 from 16 to 128, not 256", CudaBackwardCodegen.unsupported(256));
        assertThrows(IllegalArgumentException.class, () -> CudaBackwardCodegen.generate(TestPrograms.sample("causal"), Storage.BF16, 100));
    }

    private static int count(String text, String what) {
        int n = 0;
        for (int i = text.indexOf(what); i >= 0; i = text.indexOf(what, i + 1)) n++;
        return n;
    }
}
