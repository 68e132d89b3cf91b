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
import dev.attnc.compiler.plan.TilePlan;
import dev.attnc.compiler.plan.TilePlans;
import dev.attnc.compiler.target.BackendOptions;
import dev.attnc.compiler.target.Decision;
import dev.attnc.compiler.target.DeviceCaps;
import dev.attnc.compiler.target.TargetPolicy;
import dev.attnc.testkit.Repo;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Head dimensions that are not a tile width (issue 20): the CUDA kernels pad them inside (TileWidths),
 * read and write only the D real columns of the tensors, and refuse what they cannot take with the limit
 * named. The kernels run on the CPU emulator (bench/gpu/emu) and in the GPU tests.
 */
class CudaHeadDimsTest {
    /** The head dimensions of issue 20 that are no tile width, and one that is. */
    private static final List<Integer> DIMS = List.of(16, 40, 80, 96, 112, 160, 256);

    @TestFactory
    Stream<DynamicTest> everySampleRendersAtEveryHeadDimension() {
        return Repo.samples().stream().flatMap(p -> TestPrograms.sampleAttentions(p).stream()).flatMap(a -> DIMS.stream()
                .map(d -> DynamicTest.dynamicTest(a.name() + " D = " + d, () -> {
                    TilePlan tiles = TilePlans.cuda(d, 8);
                    CudaKernelSource k = CudaCodegen.generate(a, Storage.BF16, d, tiles, CudaCodegen.Options.defaults(d, tiles));
                    assertEquals(k.signature().declarations(Dialect.CUDA, "attn_elem"), KernelSignature.printedParameters(k.text(), k.entry()));
                    assertPadding(k.text(), d, TileWidths.FORWARD.of(d, tiles.warps() * 32));
                    CudaDecodeSource dec = CudaDecodeCodegen.generate(a, Storage.F16, d, 128, 2, true);
                    assertEquals(dec.decode().declarations(Dialect.CUDA, "attn_elem"),
                            KernelSignature.printedParameters(dec.text(), CudaDecodeSource.DECODE));
                    assertPadding(dec.text(), d, TileWidths.DECODE.of(d, 128));
                    if (d <= 128) {
                        CudaBackwardSource bwd = CudaBackwardCodegen.generate(a, Storage.BF16, d);
                        assertEquals(bwd.dq().declarations(Dialect.CUDA, "attn_elem"),
                                KernelSignature.printedParameters(bwd.text(), CudaBackwardSource.DQ));
                        assertPadding(bwd.text(), d, TileWidths.BACKWARD.of(d, 128));
                    }
                })));
    }

    /** A padded kernel: rows of D in global memory, tiles as wide as the padding, zeros past D, D columns stored. */
    private static void assertPadding(String text, int d, int width) {
        assertTrue(text.contains("#define HEAD_DIM " + d + "\n"), "the tensors' rows");
        assertFalse(text.contains("$"), "no template hole left");
        if (width == d) {
            assertFalse(text.contains("TILE_D"), "an unpadded kernel prints what it printed before");
            return;
        }
        assertTrue(text.contains("#define TILE_D " + width + " "), "the tiles' width " + width);
        assertTrue(text.contains("constexpr int KT = (HEAD_DIM + 15) / 16;"), "products over D rounded up to k16");
        assertTrue(text.contains("&& c * 8 < HEAD_DIM ? 16 : 0"), "0 source bytes past D");
        assertTrue(text.contains("dt * 8 >= HEAD_DIM") || text.contains("dt * 8 < HEAD_DIM") || text.contains("R * HEAD_DIM"),
                "only D columns of the output are stored");
        assertFalse(text.contains("* TILE_D + c * 8") || text.contains("Q_LEN * TILE_D") || text.contains("KV_LEN * TILE_D"),
                "global memory is addressed by D, never by the padded width");
    }

    @Test
    void theTileWidthIsTheSmallestThatFitsAndThatTheThreadsLoadInWholeRows() {
        int[][] forward4Warps = {{16, 32}, {24, 32}, {32, 32}, {40, 64}, {64, 64}, {80, 128}, {96, 128}, {112, 128}, {128, 128},
                {136, 256}, {160, 256}, {192, 256}, {256, 256}};
        for (int[] c : forward4Warps) assertEquals(c[1], TileWidths.FORWARD.of(c[0], 128), "D = " + c[0]);
        assertEquals(192, TileWidths.FORWARD.of(160, 384), "12 warps load rows of 24 chunks whole");
        assertEquals(192, TileWidths.FORWARD.of(192, 384));
        assertEquals(128, TileWidths.BACKWARD.of(80, 128));
        assertFalse(TileWidths.FORWARD.padded(128, 128));
        assertTrue(TileWidths.FORWARD.padded(96, 128));
        assertEquals((128 + 4 * 64) * 128 * 2, CudaCodegen.sharedBytes(80, new TilePlan(128, 64, 4)), "shared tiles as wide as D = 128's");
        assertEquals(CudaDecodeCodegen.sharedBytes(128, 3), CudaDecodeCodegen.sharedBytes(96, 3));
        for (DqForm f : DqForm.values()) assertEquals(CudaBackwardCodegen.sharedBytes(64, f), CudaBackwardCodegen.sharedBytes(40, f));
    }

    @Test
    void whatStaysUnsupportedIsRefusedWithTheLimitNamed() {
        TilePlan t = new TilePlan(128, 64, 4);
        assertEquals("the CUDA backend supports head dimensions that are multiples of 8 from 16 to 256, not 12", CudaCodegen.unsupported(12, t));
        assertEquals("the CUDA backend supports head dimensions that are multiples of 8 from 16 to 256, not 8", CudaCodegen.unsupported(8, t));
        assertEquals("the CUDA backend supports head dimensions that are multiples of 8 from 16 to 256, not 264", CudaCodegen.unsupported(264, t));
        assertEquals("the CUDA decode kernel supports head dimensions that are multiples of 8 from 16 to 256, not 100",
                CudaDecodeCodegen.unsupported(100, 128));
        assertEquals("the CUDA backward supports head dimensions that are multiples of 8 from 16 to 128, not 136",
                CudaBackwardCodegen.unsupported(136));
        assertNull(CudaCodegen.unsupported(72, t));
        Attention a = TestPrograms.optimized("attention c { mask = q >= kv }");
        assertThrows(IllegalArgumentException.class, () -> CudaCodegen.generate(a, Storage.BF16, 100, t, CudaCodegen.Options.defaults(100, t)));
        assertThrows(IllegalArgumentException.class, () -> CudaBackwardCodegen.generate(a, Storage.BF16, 160));
    }

    /**
     * Hopper: the warp-specialized kernel pads D from 64 on to whole 64-column TMA boxes, at the tiles of
     * the D it pads to; smaller D run on mma.sync there, decided by the policy from the engine's limits.
     * The FA2 loop on wgmma stays unpadded.
     */
    @Test
    void onHopperHeadDimensionsFrom64RunOnTheHopperKernel() {
        DeviceCaps.Cuda h100 = DeviceCaps.Cuda.parse("sm_90a");
        for (int d : List.of(16, 40, 56, 80, 96, 112, 160, 200)) {
            TilePlan tiles = TargetPolicy.tiles(new TargetPolicy.TileRequest(h100, d, null, Double.NaN, BackendOptions.NONE));
            Decision.Cuda first = (Decision.Cuda) TargetPolicy.decisions(h100, d, tiles, BackendOptions.NONE).getFirst();
            assertEquals(d >= 64 ? CudaCodegen.Engine.HOPPER : CudaCodegen.Engine.MMA_SYNC, first.options().engine(), "D = " + d);
            assertEquals(d >= 64 ? TilePlans.cuda((d + 63) / 64 * 64, 9) : TilePlans.cuda(d, 8), tiles, "D = " + d);
            assertNull(CudaCodegen.unsupported(d, tiles), "D = " + d);
            assertFalse(CudaCodegen.wgmmaFits(d, new TilePlan(128, 128, 8)), "the FA2 loop on wgmma stays unpadded");
            assertEquals(d >= 64, CudaCodegen.hopperFits(d, new TilePlan(128, 128, 8)), "D = " + d);
            assertTrue(TargetPolicy.tileCandidates(h100, d, BackendOptions.NONE).stream().allMatch(p -> CudaCodegen.unsupported(d, p) == null
                    && (d >= 64 ? CudaCodegen.hopperSharedBytes(d, p, 2) : CudaCodegen.sharedBytes(d, p)) <= h100.maxSharedPerBlockOptin()),
                    "the autotuner's candidates fit, D = " + d);
        }
        TilePlan t128 = TargetPolicy.tiles(new TargetPolicy.TileRequest(h100, 128, null, Double.NaN, BackendOptions.NONE));
        assertEquals(CudaCodegen.Engine.HOPPER, ((Decision.Cuda) TargetPolicy.decisions(h100, 128, t128, BackendOptions.NONE).getFirst())
                .options().engine(), "D = 128 stays on the Hopper engine");
        assertFalse(CudaCodegen.wgmmaFits(192, new TilePlan(128, 128, 8)), "rows of 24 chunks are no whole rows for 256 threads");
    }
}
