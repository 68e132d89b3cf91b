package dev.attnc.compiler.codegen.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
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
 * A value dimension DV other than D on the mma.sync forward (issue 20, DeepSeek's MLA prefill at
 * D = 192, DV = 128): V's rows and O's are DV long, the tiles as wide as the padded larger of the
 * two, Q K^T over D and P V over DV; for DV = D the text is the one of D alone. The kernels run on
 * the CPU emulator (bench/gpu/emu/run.sh with GEN_FLAGS=-Ddv=DV) and, on a GPU, in CudaBackendGpuTest.
 */
class CudaValueDimTest {
    /** (D, DV): below and above, one of them padded, both padded. */
    private static final List<int[]> PAIRS = List.of(new int[] {192, 128}, new int[] {64, 32}, new int[] {32, 64}, new int[] {80, 48});

    @TestFactory
    Stream<DynamicTest> everySampleRendersWithAValueDimension() {
        return Repo.samples().stream().flatMap(p -> TestPrograms.sampleAttentions(p).stream().limit(1)).flatMap(a -> PAIRS.stream()
                .map(pair -> DynamicTest.dynamicTest(a.name() + " D = " + pair[0] + " DV = " + pair[1], () -> {
                    int d = pair[0], dv = pair[1];
                    TilePlan tiles = TilePlans.cuda(d, 8);
                    CudaKernelSource k = CudaCodegen.generate(a, Storage.BF16, d, dv, tiles, CudaCodegen.Options.defaults(d, tiles));
                    String text = k.text();
                    assertEquals(k.signature().declarations(Dialect.CUDA, "attn_elem"), KernelSignature.printedParameters(text, k.entry()));
                    assertFalse(text.contains("$"), "no template hole left");
                    int width = TileWidths.FORWARD.of(Math.max(d, dv), tiles.warps() * 32);
                    assertTrue(text.contains("#define HEAD_DIM " + d + "\n") && text.contains("#define VALUE_DIM " + dv + " "), "both row lengths");
                    assertTrue(text.contains("#define TILE_D " + width + " "), "tiles as wide as the padded larger dimension");
                    assertTrue(text.contains("constexpr int DT = 2 * ((VALUE_DIM + 15) / 16);"), "O's n8 tiles over DV");
                    assertTrue(text.contains("constexpr int KT = (HEAD_DIM + 15) / 16;"), "Q K^T's k16 steps over D");
                    assertTrue(text.contains("KV_LEN * VALUE_DIM;") && text.contains("load_tile<BLOCK_N, VALUE_DIM, DT>("), "V read in rows of DV");
                    assertTrue(text.contains("q_row) * VALUE_DIM + 2 * lane_col") && text.contains("if (dt * 8 >= VALUE_DIM) break;"),
                            "O stored in rows of DV, DV columns");
                    assertEquals(CudaCodegen.sharedBytes(d, dv, tiles), k.sharedBytes());
                })));
    }

    /** The decode program with DV != D: K's chunks over D, V's over DV, O's rows and the combine over DV. */
    @TestFactory
    Stream<DynamicTest> everySampleDecodesWithAValueDimension() {
        return Repo.samples().stream().flatMap(p -> TestPrograms.sampleAttentions(p).stream().limit(1)).flatMap(a -> PAIRS.stream()
                .map(pair -> DynamicTest.dynamicTest(a.name() + " decode D = " + pair[0] + " DV = " + pair[1], () -> {
                    int d = pair[0], dv = pair[1];
                    CudaDecodeSource k = CudaDecodeCodegen.generate(a, Storage.BF16, d, dv, 128, 3, true);
                    String text = k.text();
                    assertEquals(k.decode().declarations(Dialect.CUDA, "attn_elem"), KernelSignature.printedParameters(text, CudaDecodeSource.DECODE));
                    assertFalse(text.contains("$"), "no template hole left");
                    assertTrue(text.contains("#define VALUE_DIM " + dv + " "), "V's row length");
                    assertTrue(text.contains("load_chunk<HEAD_DIM, 2 * KT>(") && text.contains("load_chunk<VALUE_DIM, DT>("), "K over D, V over DV");
                    assertTrue(text.contains("O[row * VALUE_DIM + d]") && text.contains("O_part + row * VALUE_DIM + d"), "O in rows of DV");
                    assertEquals(CudaDecodeCodegen.sharedBytes(d, dv, 3), k.sharedBytes());
                })));
    }

    @Test
    void dvEqualToDPrintsTheKernelOfDAlone() {
        Attention a = TestPrograms.sample(Repo.sample("alibi_softcap"));
        for (int d : List.of(64, 80, 128, 192)) {
            TilePlan tiles = TilePlans.cuda(d, 8);
            CudaCodegen.Options o = CudaCodegen.Options.defaults(d, tiles);
            assertEquals(CudaCodegen.generate(a, Storage.BF16, d, tiles, o).text(), CudaCodegen.generate(a, Storage.BF16, d, d, tiles, o).text());
            assertEquals(CudaDecodeCodegen.generate(a, Storage.BF16, d, 128, 3, true).text(),
                    CudaDecodeCodegen.generate(a, Storage.BF16, d, d, 128, 3, true).text());
        }
    }

    @Test
    void theFa2LoopOnWgmmaTakesDvEqualToDOnlyAndThePolicyRunsTheHopperKernel() {
        Attention a = TestPrograms.sample(Repo.sample("causal"));
        TilePlan tiles = new TilePlan(128, 64, 8);
        assertThrows(IllegalArgumentException.class,
                () -> CudaCodegen.generate(a, Storage.BF16, 128, 64, tiles, CudaCodegen.Options.wgmma(128, tiles)));
        DeviceCaps.Cuda h100 = DeviceCaps.Cuda.parse("sm_90a");
        Decision.Cuda same = (Decision.Cuda) TargetPolicy.decisions(h100, 192, 192, tiles, BackendOptions.NONE).getFirst();
        Decision.Cuda apart = (Decision.Cuda) TargetPolicy.decisions(h100, 192, 128, tiles, BackendOptions.NONE).getFirst();
        assertEquals(CudaCodegen.Engine.HOPPER, same.options().engine());
        assertEquals(CudaCodegen.Engine.HOPPER, apart.options().engine(), "DeepSeek's 192 / 128 on the Hopper kernel (CudaHopperDimsTest)");
        assertNotNull(TargetPolicy.cudaDecode(h100, 192, 128, 1, 4, tiles, false), "the decode program takes DV != D");
        assertNotNull(TargetPolicy.cudaDecode(h100, 192, 192, 1, 4, tiles, false));
        assertNull(TargetPolicy.cudaDecode(h100, 64, 100, 1, 4, tiles, false), "DV = 100 is no multiple of 8");
        assertTrue(CudaCodegen.unsupportedValueDim(64, 100).contains("value dimension DV"), "DV = 100 is no multiple of 8");
        assertNull(CudaCodegen.unsupportedValueDim(192, 128));
    }
}
