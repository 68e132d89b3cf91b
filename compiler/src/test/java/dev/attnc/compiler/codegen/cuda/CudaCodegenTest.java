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
import dev.attnc.testkit.Repo;
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
    static Stream<Path> samples() {
        return Repo.samples().stream();
    }

    @ParameterizedTest
    @MethodSource("samples")
    void everySampleGeneratesForEveryTileShape(Path sample) throws IOException {
        Attention a = TestPrograms.sample(sample);
        for (int d : List.of(32, 64, 128, 256)) {
            for (TilePlan t : List.of(new TilePlan(128, 64, 4), new TilePlan(64, 64, 4), new TilePlan(128, 64, 8))) {
                for (Storage s : List.of(Storage.BF16, Storage.F16)) {
                    String text = CudaCodegen.generate(a, s, d, t, CudaCodegen.Options.defaults(d, t)).text();
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
        CudaKernelSource k = CudaCodegen.generate(a, Storage.BF16, 64, new TilePlan(128, 64, 4), CudaCodegen.Options.defaults(64, new TilePlan(128, 64, 4)));
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
        String text = CudaCodegen.generate(a, Storage.BF16, 64, new TilePlan(128, 64, 4), CudaCodegen.Options.defaults(64, new TilePlan(128, 64, 4))).text();
        String prologue = text.substring(text.indexOf("// per (b, h)"), text.indexOf("// per query row"));
        assertTrue(prologue.contains("p0_slopes[h]"), "slopes[h] before any loop");
        assertTrue(text.contains("r_t"), "doc[q] in a per-row array");
        assertTrue(text.contains("c_t"), "doc[kv] in a per-column array");
    }

    @Test
    void identityScoreFoldsTheScaleIntoTheExponent() {
        Attention a = TestPrograms.optimized("attention c { mask = q >= kv }");
        String text = CudaCodegen.generate(a, Storage.F16, 128, new TilePlan(128, 64, 4), CudaCodegen.Options.defaults(128, new TilePlan(128, 64, 4))).text();
        assertTrue(text.contains("IDENTITY_SCORE = true"));
        assertTrue(text.contains("mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32"));
        assertFalse(text.contains("const float score = x * scale"), "no multiply per element");
    }

    @Test
    void unsupportedShapesAreRefusedWithAReason() {
        assertNotNull(CudaCodegen.unsupported(100, new TilePlan(128, 64, 4)));
        assertNotNull(CudaCodegen.unsupported(64, new TilePlan(128, 40, 4)));
        assertNotNull(CudaCodegen.unsupported(64, new TilePlan(100, 64, 4)));
        assertNull(CudaCodegen.unsupported(128, new TilePlan(128, 64, 4)));
        Attention a = TestPrograms.optimized("attention c { mask = q >= kv }");
        assertThrows(IllegalArgumentException.class, () -> CudaCodegen.generate(a, Storage.F32, 64, new TilePlan(128, 64, 4), CudaCodegen.Options.defaults(64, new TilePlan(128, 64, 4))));
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

    @ParameterizedTest
    @MethodSource("samples")
    void everySampleGeneratesTheWarpSpecializedHopperKernel(Path sample) throws IOException {
        Attention a = TestPrograms.sample(sample);
        for (int d : List.of(64, 128, 256)) {
            for (TilePlan t : List.of(new TilePlan(128, 128, 8), new TilePlan(192, 128, 12), new TilePlan(128, 64, 8), new TilePlan(64, 128, 4))) {
                CudaKernelSource k = CudaCodegen.generate(a, Storage.BF16, d, t, CudaCodegen.Options.hopper(2));
                assertEquals(t.warps() * 32 + 128, k.threads(), "consumer warps and a producer warpgroup");
                assertFalse(k.text().contains("$"), "no template hole left");
                assertFalse(k.text().contains("if (lane == 0) mbar_arrive"), "no divergent branch between wgmma issue and wait");
            }
        }
    }

    /** Both engines: a sink starts each row (per-row value, one lane of the quad), sigmoid replaces the online softmax. */
    @Test
    void normalisationsOnBothEngines() {
        Attention sink = TestPrograms.optimized("attention s(sinks: float[H]) { mask = q >= kv\n normalize = softmax(sink = sinks[h] - float(q) * 0.001) }");
        Attention sigmoid = TestPrograms.optimized("attention g { mask = q >= kv\n normalize = sigmoid(bias = -log(float(KV_LEN))) }");
        Attention plain = TestPrograms.optimized("attention c { mask = q >= kv }");
        TilePlan t = new TilePlan(128, 128, 8);
        for (CudaCodegen.Options o : List.of(CudaCodegen.Options.defaults(128, new TilePlan(128, 64, 4)), CudaCodegen.Options.hopper(2))) {
            TilePlan tiles = o.equals(CudaCodegen.Options.hopper(2)) ? t : new TilePlan(128, 64, 4);
            String s = CudaCodegen.generate(sink, Storage.BF16, 128, tiles, o).text();
            assertTrue(s.contains("row_m[ri] = e * (1.44269504f / sc);") && s.contains("row_l[ri] = lane_col == 0 ? 1.0f : 0.0f;"), s);
            assertTrue(s.matches("(?s).*const float e = r_t\\d+\\[ri\\];.*"), "the sink is read per row");
            assertTrue(s.contains("softmax_exp(s, ri"), "a sink keeps the online softmax");
            String g = CudaCodegen.generate(sigmoid, Storage.BF16, 128, tiles, o).text();
            assertTrue(g.contains("sigmoid_exp(s, ri, row_b[ri], row_l[ri], sc);") && g.contains("__fdividef(1.0f, 1.0f + ex2("));
            assertFalse(g.contains("softmax_exp(s, ri") || g.contains("softmax_max(s,"), "no row maximum, no rescale");
            assertTrue(g.contains("const float inv = 1.0f;") && g.contains("= logf(l);"), "no division; log of the sum");
            String c = CudaCodegen.generate(plain, Storage.BF16, 128, tiles, o).text();
            assertFalse(c.contains("sigmoid_exp") || c.contains("row_b[") || c.contains("lane_col == 0 ? 1.0f"), "softmax prints what it printed");
        }
    }

    @Test
    void theHopperKernelIsWarpSpecializedOnTmaAndMbarriers() {
        Attention a = TestPrograms.optimized("attention c { mask = q >= kv }");
        TilePlan t = new TilePlan(128, 128, 8);
        CudaKernelSource k = CudaCodegen.generate(a, Storage.BF16, 128, t, CudaCodegen.Options.hopper(2));
        String text = k.text();
        assertTrue(text.contains("const __grid_constant__ attn_tmap tmQ"), "TMA descriptors by value");
        assertTrue(text.contains("cp.async.bulk.tensor.4d.shared::cluster.global.tile.mbarrier::complete_tx::bytes"), "4-d maps (D, length, heads, B)");
        assertTrue(text.contains("setmaxnreg.dec.sync.aligned.u32") && text.contains("setmaxnreg.inc.sync.aligned.u32"));
        assertTrue(text.contains("__launch_bounds__(NTHREADS, 1)"), "setmaxnreg needs a register cap at entry");
        assertTrue(text.contains("wgmma_wait<1>()"), "softmax of one tile under P V of the previous");
        assertTrue(text.contains("PINGPONG = NC > 1"));
        assertEquals(384, k.threads());
        // Q, two K and two V stages, alignment slack, 14 mbarriers, two work-item slots of 16 bytes
        assertEquals((128 + 4 * 128) * 128 * 2 + 1024 + 8 * 14 + 32, k.sharedBytes());
        assertTrue(text.contains("atomicAdd(item_counter, 1)"), "dynamic work items on a persistent grid");
        String sequential = CudaCodegen.generate(a, Storage.BF16, 128, t,
                CudaCodegen.Options.hopper(2).withSchedule(new CudaCodegen.Schedule(false, false, true, true))).text();
        assertFalse(sequential.contains("wgmma_wait<1>()"), "no overlap");
        assertTrue(sequential.contains("PINGPONG = false"));
        assertFalse(CudaCodegen.hopperFits(32, t), "D = 32 is not a 128-byte row");
        assertFalse(CudaCodegen.hopperFits(128, new TilePlan(128, 128, 4)), "32 rows a warp");
        assertFalse(CudaCodegen.hopperFits(128, new TilePlan(256, 128, 16)), "at most three consumer warpgroups");
    }

    @Test
    void integerDivisionByAPerHeadValueGoesThroughAFloatReciprocal() {
        Attention a = TestPrograms.optimized("""
                attention grid(W: int) {
                    mask = abs(q / W - kv / W) <= 1 && abs(q % W - kv % W) <= 1
                }
                """);
        String text = CudaCodegen.generate(a, Storage.BF16, 128, new TilePlan(128, 128, 8), CudaCodegen.Options.hopper(2)).text();
        String prologue = text.substring(text.indexOf("// per (b, h)"), text.indexOf("// per query row"));
        assertTrue(prologue.contains("= 1.0f / (float)p0_W;"), "the reciprocal once per (b, h)");
        assertTrue(text.contains("attn_floordiv_rcp(kv, p0_W, rcp_"));
        assertTrue(text.contains("attn_floormod_rcp(kv, p0_W, rcp_"));
    }

    /**
     * The argument behind attn_floordiv_rcp, in Java's IEEE float arithmetic (the same roundings as
     * __int2float_rn and a float multiply): for |x| < 2^24 and any y, the floor of x * (1/y) is at
     * most one away from floor(x / y), and one correction makes it exact.
     */
    @Test
    void theFloatReciprocalDivisionIsExactBelow2To24() {
        java.util.Random r = new java.util.Random(7);
        int[] ys = {1, -1, 2, -2, 3, 7, -7, 127, 128, 1000, -4097, 65535, 1 << 20, (1 << 24) - 1, -((1 << 24) - 1), Integer.MAX_VALUE,
                Integer.MIN_VALUE};
        for (int i = 0; i < 400_000; i++) {
            int x = i < 200_000 ? r.nextInt(1 << 25) - (1 << 24) + 1 : (i % 2 == 0 ? 1 : -1) * ((1 << 24) - 1 - r.nextInt(1000));
            if (Math.abs(x) >= 1 << 24) continue;
            int y = i % 3 == 0 ? ys[r.nextInt(ys.length)] : r.nextInt(2 * 70_000) - 70_000;
            if (y == 0) continue;
            float rcp = 1.0f / (float) y;
            int q = (int) Math.floor((float) x * rcp);
            int m = x - q * y;
            if (y > 0 ? m < 0 : m > 0) q--;
            else if (y > 0 ? m >= y : m <= y) q++;
            assertEquals(Math.floorDiv(x, y), q, x + " / " + y);
        }
    }
}
