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
import dev.attnc.compiler.codegen.cuda.CudaCodegen.Options;
import dev.attnc.compiler.ir.Attention;
import dev.attnc.compiler.plan.TilePlan;
import dev.attnc.testkit.Repo;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The Hopper kernel at head dimensions that are no multiple of 64 and with DV != D (issue 20): Q's and
 * K's tiles D rounded up to whole 64-column TMA boxes, V's DV rounded up, Q K^T over D's k16 steps, O's
 * accumulators and the P V instruction over V's padded width, only DV columns of O stored. The kernels
 * run on the CPU emulator (CudaForwardEmulatorTest) and, on a GPU, in CudaBackendGpuTest.
 */
class CudaHopperDimsTest {
    /** (D, DV, BLOCK_N): padded D, DeepSeek's 192 / 128, DV below and above D. */
    private static final List<int[]> PAIRS = List.of(new int[] {80, 80, 128}, new int[] {112, 112, 128}, new int[] {160, 160, 64},
            new int[] {192, 128, 64}, new int[] {128, 64, 128}, new int[] {64, 128, 128});

    @TestFactory
    Stream<DynamicTest> everySampleRendersPaddedOnHopper() {
        return Repo.samples().stream().flatMap(p -> TestPrograms.sampleAttentions(p).stream().limit(1)).flatMap(a -> PAIRS.stream()
                .map(pair -> DynamicTest.dynamicTest(a.name() + " D = " + pair[0] + " DV = " + pair[1], () -> {
                    int d = pair[0], dv = pair[1];
                    TilePlan tiles = new TilePlan(128, pair[2], 8);
                    CudaKernelSource k = CudaCodegen.generate(a, Storage.BF16, d, dv, tiles, Options.hopper(2));
                    String text = k.text();
                    assertEquals(k.signature().declarations(Dialect.CUDA, "attn_elem"), KernelSignature.printedParameters(text, k.entry()));
                    assertFalse(text.contains("$"), "no template hole left");
                    int dp = (d + 63) / 64 * 64, dvp = (dv + 63) / 64 * 64;
                    String vdim = dv == d ? "HEAD_DIM" : "VALUE_DIM";
                    assertEquals(dv != d, text.contains("#define VALUE_DIM " + dv + " "), "DV printed where it differs");
                    assertTrue(text.contains("constexpr int DP = " + dp + ", DVP = " + dvp + ";"), "tiles as wide as whole boxes");
                    assertTrue(text.contains("constexpr int KT = (HEAD_DIM + 15) / 16;"), "Q K^T's k16 steps over D only");
                    assertTrue(text.contains("constexpr int DT = DVP / 8;") && text.contains(".m64n" + dvp + "k16."), "O and P V over DV padded");
                    assertTrue(text.contains("mbar_expect_tx(smem0 + bar_v_full(st), V_BYTES);") && text.contains("cb < CBV;")
                            && text.contains("V_OFF + prev * V_BYTES"), "V's ring in stages of its own width");
                    assertTrue(text.contains("q_row) * " + vdim + " + 2 * lane_col") && text.contains("if (dt * 8 >= " + vdim + ") break;"),
                            "O stored in rows of DV, DV columns");
                    assertFalse(text.contains("KV_BYTES"), "K's and V's stages sized apart");
                    assertEquals(CudaCodegen.hopperSharedBytes(d, dv, tiles, 2), k.sharedBytes());
                    assertEquals((128 * dp + 2 * pair[2] * (dp + dvp)) * 2 + 1024 + 8 * 14 + 32, k.sharedBytes());
                })));
    }

    /** Whole boxes with DV = D print none of the padding: the text that the goldens and the measurements have. */
    @Test
    void wholeBoxesKeepTheUnpaddedText() {
        Attention a = TestPrograms.optimized("attention c { mask = q >= kv }");
        for (int d : List.of(64, 128, 192, 256)) {
            String text = CudaCodegen.generate(a, Storage.BF16, d, d, new TilePlan(128, 64, 8), Options.hopper(2)).text();
            assertTrue(text.contains("constexpr int KT = HEAD_DIM / 16;") && text.contains("KV_BYTES = BLOCK_N * HEAD_DIM * 2;"), "D = " + d);
            assertFalse(text.contains("DVP") || text.contains("VALUE_DIM") || text.contains("break; // the padding"), "D = " + d);
        }
    }

    @Test
    void whatTheHopperKernelDoesNotTakeIsRefusedByName() {
        Attention a = TestPrograms.optimized("attention c { mask = q >= kv }");
        TilePlan tiles = new TilePlan(128, 128, 8);
        assertNull(CudaCodegen.unsupportedOnHopper(80, 80));
        assertNull(CudaCodegen.unsupportedOnHopper(192, 128));
        assertEquals("the Hopper kernel takes head and value dimensions that are multiples of 8 from 64 to 256, not D = 40, DV = 40",
                CudaCodegen.unsupportedOnHopper(40, 40));
        assertEquals("the Hopper kernel takes head and value dimensions that are multiples of 8 from 64 to 256, not D = 128, DV = 32",
                CudaCodegen.unsupportedOnHopper(128, 32));
        assertFalse(CudaCodegen.hopperFits(40, tiles) || CudaCodegen.hopperFits(128, 32, tiles));
        assertTrue(CudaCodegen.hopperFits(80, tiles) && CudaCodegen.hopperFits(192, 128, new TilePlan(128, 64, 8)));
        var refused = assertThrows(IllegalArgumentException.class, () -> CudaCodegen.generate(a, Storage.BF16, 48, 48, tiles, Options.hopper(2)));
        assertTrue(refused.getMessage().startsWith("the Hopper kernel takes"), refused.getMessage());
        // the FA2 loop on wgmma stays unpadded with DV = D
        var wgmma = assertThrows(IllegalArgumentException.class,
                () -> CudaCodegen.generate(a, Storage.BF16, 192, 128, tiles, Options.wgmma(192, tiles)));
        assertEquals("the FA2 loop on wgmma takes DV = D only, not D = 192, DV = 128", wgmma.getMessage());
        var padded = assertThrows(IllegalArgumentException.class, () -> CudaCodegen.generate(a, Storage.BF16, 80, tiles, Options.wgmma(80, tiles)));
        assertTrue(padded.getMessage().startsWith("the FA2 loop on wgmma needs"), padded.getMessage());
    }
}
