package dev.attnc.compiler.codegen.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnc.compiler.TestPrograms;
import dev.attnc.compiler.codegen.KernelSignature;
import dev.attnc.compiler.codegen.Placement;
import dev.attnc.compiler.codegen.c.Dialect;
import dev.attnc.compiler.codegen.c.Storage;
import dev.attnc.compiler.ir.Attention;
import dev.attnc.compiler.plan.TilePlan;
import dev.attnc.compiler.target.BackendOptions;
import dev.attnc.compiler.target.DeviceCaps;
import dev.attnc.compiler.target.TargetPolicy;
import dev.attnc.testkit.Repo;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The generated CUDA decode program (no GPU here: its text; it runs in CudaDecodeGpuTest and on the
 * CPU emulator, bench/gpu/emu/run-decode.sh), and the policy that chooses it: every sample's program
 * at every supported head dimension and both storages declares its two signatures as they are bound;
 * values fixed per (b, h) are per row in it; no user text. One sample's program is a golden of
 * KernelEngineGoldenTest.
 */
class CudaDecodeCodegenTest {
    @TestFactory
    Stream<DynamicTest> everySampleDeclaresItsSignatures() {
        return Repo.samples().stream().flatMap(p -> TestPrograms.sampleAttentions(p).stream()).flatMap(a -> Stream.of(32, 64, 128, 256)
                .flatMap(d -> Stream.of(Storage.BF16, Storage.F16).map(s -> DynamicTest.dynamicTest(a.name() + " D = " + d + " " + s.word, () -> {
                    CudaDecodeSource k = CudaDecodeCodegen.generate(a, s, d, 128, 3, true);
                    assertEquals(k.decode().declarations(Dialect.CUDA, "attn_elem"), KernelSignature.printedParameters(k.text(), CudaDecodeSource.DECODE));
                    assertEquals(k.combine().declarations(Dialect.CUDA, "attn_elem"), KernelSignature.printedParameters(k.text(), CudaDecodeSource.COMBINE));
                    assertTrue(k.sharedBytes() <= 227 * 1024, "fits an H100's block: " + k.sharedBytes());
                }))));
    }

    /** ALiBi's slope and the padding length are fixed per (b, h): per row where a block holds several heads, and per element with kv. */
    @Test
    void valuesOfAHeadArePerRowWhenHeadsArePacked() {
        Attention a = TestPrograms.sample("padding");
        Placement packed = Placement.packedHeads(a);
        assertTrue(Placement.of(a).prologue().size() > packed.prologue().size(), "lengths[b] leaves the prologue");
        String text = CudaDecodeCodegen.generate(a, Storage.BF16, 64, 64, 3, true).text();
        assertTrue(text.contains("kv < r_t0[ri]"), text); // the mask kv < lengths[b], per element
        assertTrue(CudaDecodeCodegen.generate(TestPrograms.sample("alibi"), Storage.BF16, 64, 64, 3, true).text()
                .contains("p0_slopes[h]"), "the slope read per row, with the row's h");
    }

    /**
     * Rows past the plan's first query tile: the block's plan row from its first query row, the grid
     * going on in z; the program of rows in the first plan row keeps its text, and its signature is one.
     */
    @Test
    void planRowsPastTheFirstQueryTile() {
        Attention a = TestPrograms.sample("causal");
        String first = CudaDecodeCodegen.generate(a, Storage.BF16, 64, 64, 64, 3, true).text();
        assertEquals(first, CudaDecodeCodegen.generate(a, Storage.BF16, 64, 64, 64, 0, 3, true).text());
        assertFalse(first.contains("BLOCK_M") || first.contains("blockIdx.z"), first);
        CudaDecodeSource rows = CudaDecodeCodegen.generate(a, Storage.BF16, 64, 64, 64, 128, 3, true);
        assertTrue(rows.text().contains("constexpr int BLOCK_M = 128;"), rows.text());
        assertTrue(rows.text().contains("* q_tiles + first / BLOCK_M;"), rows.text());
        assertTrue(rows.text().contains("blockIdx.y + blockIdx.z * gridDim.y"), rows.text());
        assertEquals(rows.decode().declarations(Dialect.CUDA, "attn_elem"), KernelSignature.printedParameters(rows.text(), CudaDecodeSource.DECODE));
        assertThrows(IllegalArgumentException.class, () -> CudaDecodeCodegen.generate(a, Storage.BF16, 64, 64, 64, 40, 3, true));
    }

    @Test
    void noUserTextButMangledNames() {
        Attention a = TestPrograms.optimized("""
                attention Zqxname(Wtable: float[H, 9], Wscalar: float = 0.5) {
                    score = score * Wscalar + Wtable[h, clamp(kv - q + 4, 0, 8)]
                }
                """);
        String text = CudaDecodeCodegen.generate(a, Storage.BF16, 64, 64, 3, true).text();
        assertFalse(text.contains("Zqxname"), text);
        assertEquals(text.split("Wtable", -1).length - 1, text.split("p0_Wtable", -1).length - 1, text);
    }

    @Test
    void thePolicyDecodesFewQueryRows() {
        DeviceCaps.Cuda h100 = DeviceCaps.Cuda.parse("sm_90a"), ampere = DeviceCaps.Cuda.parse("sm_86");
        TilePlan tiles = new TilePlan(128, 128, 8);
        TargetPolicy.CudaDecode d = TargetPolicy.cudaDecode(h100, 128, 1, 4, tiles, false);
        assertNotNull(d);
        assertEquals(4, d.headsPacked(), "the four query heads of a KV head share a block");
        assertTrue(2 * CudaDecodeCodegen.sharedBytes(128, d.stages()) <= h100.maxSharedPerBlockOptin(), "two blocks an SM");
        assertEquals(4, TargetPolicy.cudaDecode(h100, 128, 4, 8, tiles, false).headsPacked(), "4 rows x 4 heads = 16 rows");
        assertEquals(2, TargetPolicy.cudaDecode(h100, 128, 5, 8, tiles, false).headsPacked(), "5 rows x 2 heads <= 16 rows");
        assertEquals(1, TargetPolicy.cudaDecode(h100, 128, 1, 4, tiles, true).headsPacked(), "a plan per head packs nothing");
        assertEquals(1, TargetPolicy.cudaDecode(h100, 64, 16, 4, tiles, false).headsPacked());
        assertEquals(1, TargetPolicy.cudaDecode(h100, 128, 17, 4, tiles, false).headsPacked(), "17 rows: one head, two 16-row tiles");
        assertEquals(1, TargetPolicy.cudaDecode(h100, 128, 64, 4, tiles, false).headsPacked());
        assertEquals(0, TargetPolicy.cudaDecode(h100, 128, 128, 4, tiles, false).planQueryTile(), "128 rows: all in the plan's first query tile");
        TargetPolicy.CudaDecode prefill = TargetPolicy.cudaDecode(h100, 128, 2048, 4, tiles, false);
        assertEquals(new TargetPolicy.CudaDecode(1, d.stages(), 128), prefill, "chunked prefill: one head a block, each block its plan row");
        assertEquals(32, TargetPolicy.cudaDecode(h100, 128, 48, 4, new TilePlan(32, 64, 4), false).planQueryTile(), "rows past the first query tile of 32");
        assertEquals(0, TargetPolicy.cudaDecode(h100, 128, 40, 4, new TilePlan(40, 64, 4), false).planQueryTile(), "40 rows in one tile of 40");
        assertNull(TargetPolicy.cudaDecode(h100, 128, 41, 4, new TilePlan(40, 64, 4), false), "16-row blocks would straddle tiles of 40");
        assertNotNull(TargetPolicy.cudaDecode(h100, 192, 1, 4, tiles, false), "D = 192: padded to 256");
        assertNull(TargetPolicy.cudaDecode(h100, 100, 1, 4, tiles, false), "D = 100: no multiple of 8");
        assertNotNull(TargetPolicy.cudaDecode(ampere, 128, 1, 4, tiles, false), "sm_86: 99 KiB hold a 2-stage ring at D = 128");
        assertNull(TargetPolicy.cudaDecode(ampere, 256, 1, 4, tiles, false), "but not at D = 256");
        // one wave: B=1 with 8 KV heads on 132 SMs x 2 blocks fills 264 slots with 33 splits; 512 units need none
        assertEquals(33, dev.attnc.compiler.target.SplitKv.residentWave(264, 8, 2048));
        assertEquals(1, dev.attnc.compiler.target.SplitKv.residentWave(264, 512, 64));
        assertEquals(2, dev.attnc.compiler.target.SplitKv.residentWave(264, 8, 8), "at least 4 tiles a split");
    }

    /**
     * Which calls run the decode program: up to 16 rows always, ragged ones (paged, per-sequence
     * lengths) at any Q_LEN always, other calls of more than 16 rows only where forced.
     */
    @Test
    void theDecodeProgramTakesFewRowsAndRaggedCalls() {
        BackendOptions none = BackendOptions.NONE;
        assertTrue(TargetPolicy.prefersDecode(16, false, none));
        assertTrue(TargetPolicy.prefersDecode(64, true, none), "paged or per-sequence lengths");
        assertFalse(TargetPolicy.prefersDecode(17, false, none), "17 dense rows: the forward kernel");
        BackendOptions always = new BackendOptions(java.util.Map.of(), null, 0, null, false, true, null);
        BackendOptions never = new BackendOptions(java.util.Map.of(), null, 0, null, false, false, null);
        assertTrue(TargetPolicy.prefersDecode(64, false, always));
        assertFalse(TargetPolicy.prefersDecode(64, false, never));
        assertTrue(TargetPolicy.prefersDecode(4, false, never), "at most 16 rows: the decode program whatever is forced");
        assertTrue(TargetPolicy.prefersDecode(40, true, never), "ragged: only the decode program reads it");
        assertTrue(TargetPolicy.prefersDecode(2048, true, none), "chunked prefill over a paged cache");
        assertFalse(TargetPolicy.prefersDecode(2048, false, none));
    }

    /** The decode program's limits, stated once: each refusal names its reason (paged and ragged calls quote it). */
    @Test
    void eachRefusalSaysWhy() {
        DeviceCaps.Cuda h100 = DeviceCaps.Cuda.parse("sm_90a"), ampere = DeviceCaps.Cuda.parse("sm_86");
        TilePlan tiles = new TilePlan(128, 128, 8);
        assertEquals(null, TargetPolicy.cudaDecodeRefusal(h100, 128, 128, 16, tiles));
        assertEquals(null, TargetPolicy.cudaDecodeRefusal(h100, 128, 128, 64, tiles));
        assertEquals(null, TargetPolicy.cudaDecodeRefusal(h100, 128, 128, 300, tiles), "any Q_LEN");
        assertEquals(null, TargetPolicy.cudaDecodeRefusal(h100, 128, 128, 48, new TilePlan(32, 64, 4)));
        assertTrue(TargetPolicy.cudaDecodeRefusal(h100, 128, 128, 100, new TilePlan(40, 64, 4)).contains("tiles of 40 rows"));
        assertTrue(TargetPolicy.cudaDecodeRefusal(h100, 128, 128, 1, new TilePlan(64, 32, 4)).contains("multiple of 64 keys, not 32"));
        assertEquals(null, TargetPolicy.cudaDecodeRefusal(h100, 192, 128, 1, tiles), "DV != D");
        assertTrue(TargetPolicy.cudaDecodeRefusal(h100, 64, 100, 1, tiles).contains("100"), "DV = 100: no multiple of 8");
        assertTrue(TargetPolicy.cudaDecodeRefusal(ampere, 128, 256, 1, tiles).contains("shared memory"), "the wider of D and DV");
        assertTrue(TargetPolicy.cudaDecodeRefusal(h100, 100, 100, 1, tiles) != null, "D = 100");
        assertTrue(TargetPolicy.cudaDecodeRefusal(ampere, 256, 256, 1, tiles).contains("shared memory"));
    }
}
