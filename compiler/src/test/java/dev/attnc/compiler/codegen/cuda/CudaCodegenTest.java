package dev.attnc.compiler.codegen.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnc.compiler.Compilation;
import dev.attnc.compiler.TestPrograms;
import dev.attnc.compiler.codegen.c.Storage;
import dev.attnc.compiler.diag.SourceFile;
import dev.attnc.compiler.ir.Attention;
import dev.attnc.compiler.plan.TilePlan;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** What the CUDA generator promises without a GPU: every sample generates, in every tile shape, safely named. */
class CudaCodegenTest {
    static Stream<Path> samples() throws IOException {
        return Files.list(CudaGoldenTest.root().resolve("samples")).filter(p -> p.toString().endsWith(".attn")).sorted();
    }

    @ParameterizedTest
    @MethodSource("samples")
    void everySampleGeneratesForEveryTileShape(Path sample) throws IOException {
        Attention a = Compilation.of(SourceFile.read(sample)).orThrow().optimized(null);
        for (int d : List.of(32, 64, 128, 256)) {
            for (TilePlan t : List.of(new TilePlan(128, 64, 4), new TilePlan(64, 64, 4), new TilePlan(128, 64, 8))) {
                for (Storage s : List.of(Storage.BF16, Storage.F16)) {
                    String text = CudaCodegen.generate(a, s, d, t).text();
                    assertTrue(text.contains("extern \"C\" __global__"), "an entry point");
                    assertFalse(text.contains("$"), "no template hole left");
                    assertFalse(text.contains("double"), "no double arithmetic");
                }
            }
        }
    }

    @Test
    void userNamesReachTheKernelOnlyMangled() {
        Attention a = TestPrograms.optimized("""
                attention weird_Name(slopes: float[H], w: int = 3) {
                    score = score + slopes[h] * float(w)
                    mask = q >= kv
                }
                """);
        CudaKernelSource k = CudaCodegen.generate(a, Storage.BF16, 64, new TilePlan(128, 64, 4));
        assertEquals("attnc_weird_Name", k.entry());
        assertTrue(k.text().contains("const float* __restrict__ p0_slopes"));
        assertTrue(k.text().contains("const int p1_w"));
        assertFalse(k.text().matches("(?s).*[^_a-z]slopes\\[.*"), "only the mangled name indexes the tensor");
    }

    @Test
    void perHeadValuesAreHoistedAndPerRowValuesComputedOncePerRow() {
        Attention a = TestPrograms.optimized("""
                attention t(slopes: float[H], doc: int[KV_LEN]) {
                    score = score + slopes[h]
                    mask = doc[q] == doc[kv]
                }
                """);
        String text = CudaCodegen.generate(a, Storage.BF16, 64, new TilePlan(128, 64, 4)).text();
        String prologue = text.substring(text.indexOf("// per (b, h)"), text.indexOf("// per query row"));
        assertTrue(prologue.contains("p0_slopes[h]"), "slopes[h] before any loop");
        assertTrue(text.contains("r_t"), "doc[q] in a per-row array");
        assertTrue(text.contains("c_t"), "doc[kv] in a per-column array");
    }

    @Test
    void identityScoreFoldsTheScaleIntoTheExponent() {
        Attention a = TestPrograms.optimized("attention c { mask = q >= kv }");
        String text = CudaCodegen.generate(a, Storage.F16, 128, new TilePlan(128, 64, 4)).text();
        assertTrue(text.contains("IDENTITY_SCORE = true"));
        assertTrue(text.contains("mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32"));
        assertFalse(text.contains("const float score = x * scale"), "no multiply per element");
    }

    @Test
    void unsupportedShapesAreRefusedWithAReason() {
        assertNotNull(CudaCodegen.unsupported(96, new TilePlan(128, 64, 4)));
        assertNotNull(CudaCodegen.unsupported(64, new TilePlan(128, 40, 4)));
        assertNotNull(CudaCodegen.unsupported(64, new TilePlan(100, 64, 4)));
        assertNull(CudaCodegen.unsupported(128, new TilePlan(128, 64, 4)));
        Attention a = TestPrograms.optimized("attention c { mask = q >= kv }");
        assertThrows(IllegalArgumentException.class, () -> CudaCodegen.generate(a, Storage.F32, 64, new TilePlan(128, 64, 4)));
    }

    @Test
    void theHopperVariantUsesWgmmaForBothProducts() {
        Attention a = TestPrograms.optimized("attention c { mask = q >= kv }");
        TilePlan t = new TilePlan(128, 128, 8);
        String text = CudaCodegen.generate(a, Storage.BF16, 128, t, CudaCodegen.Options.wgmma(128, t)).text();
        assertTrue(text.contains("wgmma.mma_async.sync.aligned.m64n128k16.f32.bf16.bf16"), "S and O: n = 128");
        assertTrue(text.contains("fence.proxy.async.shared::cta"));
        assertFalse(text.contains("ldmatrix_x4(kb"), "no mma.sync path left in the key loop");
        assertFalse(CudaCodegen.wgmmaFits(32, new TilePlan(128, 64, 8)), "D = 32 is not a 128-byte row");
        assertFalse(CudaCodegen.wgmmaFits(128, new TilePlan(128, 64, 4)), "32 rows a warp");
        assertThrows(IllegalArgumentException.class, () -> CudaCodegen.generate(a, Storage.BF16, 128, new TilePlan(128, 64, 4),
                CudaCodegen.Options.wgmma(128, new TilePlan(128, 64, 4))));
    }
}
