package dev.attnc.compiler.target;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnc.compiler.TestPrograms;
import dev.attnc.compiler.codegen.cuda.CudaBackwardCodegen;
import dev.attnc.compiler.codegen.cuda.CudaCodegen;
import dev.attnc.compiler.codegen.cuda.CudaCodegen.Engine;
import dev.attnc.compiler.codegen.cuda.DqForm;
import dev.attnc.compiler.plan.TilePlan;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/** The target policy as a table: inputs → engine, tiles, stages, min-blocks, NVRTC architecture, fallbacks. */
class TargetPolicyTest {
    private static final DeviceCaps H100 = DeviceCaps.Cuda.parse("sm_90a");
    private static final DeviceCaps A100 = DeviceCaps.Cuda.parse("sm_80");
    private static final BackendOptions NONE = BackendOptions.NONE;
    private static final BackendOptions MMA = new BackendOptions(Map.of(), Engine.MMA_SYNC, 0, null);
    private static final BackendOptions WGMMA = new BackendOptions(Map.of(), Engine.WGMMA, 0, null);
    private static final BackendOptions FORCED = new BackendOptions(Map.of(128, new TilePlan(64, 64, 4)), null, 1, null);
    private static final double DENSE = Double.NaN;

    static Stream<Arguments> table() {
        return Stream.of(
                // device, D, tuned, kept, options → tiles, engine, stages, minBlocks, arch, number of builds
                row(H100, 64, null, DENSE, NONE, "192x128/12", Engine.HOPPER, 2, 1, "sm_90a", 2),
                row(H100, 64, null, 0.55, NONE, "192x128/12", Engine.HOPPER, 2, 1, "sm_90a", 2), // causal
                row(H100, 64, null, 0.3, NONE, "192x64/12", Engine.HOPPER, 3, 1, "sm_90a", 2), // document
                row(H100, 64, null, 0.2, NONE, "128x128/8", Engine.HOPPER, 2, 1, "sm_90a", 2), // sliding window
                row(H100, 128, null, DENSE, NONE, "128x128/8", Engine.HOPPER, 2, 1, "sm_90a", 2),
                row(H100, 128, null, 0.1, NONE, "128x128/8", Engine.HOPPER, 2, 1, "sm_90a", 2), // only D ≤ 64 adapts
                row(H100, 256, null, DENSE, NONE, "128x64/8", Engine.HOPPER, 2, 1, "sm_90a", 2),
                row(H100, 32, null, DENSE, NONE, "128x64/8", Engine.MMA_SYNC, 2, 1, "sm_90", 1), // D = 32: no wgmma
                // padded to whole 64-column boxes inside the Hopper kernel, at the tiles of the D it pads to
                row(H100, 80, null, DENSE, NONE, "128x128/8", Engine.HOPPER, 2, 1, "sm_90a", 2),
                row(H100, 96, null, 0.1, NONE, "128x128/8", Engine.HOPPER, 2, 1, "sm_90a", 2),
                row(H100, 160, null, DENSE, NONE, "128x64/8", Engine.HOPPER, 2, 1, "sm_90a", 2),
                row(H100, 192, null, DENSE, NONE, "128x64/8", Engine.HOPPER, 2, 1, "sm_90a", 2),
                row(H100, 40, null, DENSE, NONE, "128x64/4", Engine.MMA_SYNC, 2, 1, "sm_90", 1), // below one box: mma.sync
                row(H100, 80, null, DENSE, MMA, "128x64/4", Engine.MMA_SYNC, 2, 1, "sm_90", 1),
                row(H100, 64, new TilePlan(128, 64, 8), 0.1, NONE, "128x64/8", Engine.HOPPER, 3, 1, "sm_90a", 2), // tuned stays
                row(H100, 64, new TilePlan(100, 64, 8), DENSE, NONE, "192x128/12", Engine.HOPPER, 2, 1, "sm_90a", 2), // unusable tuned
                row(H100, 128, null, DENSE, MMA, "128x64/4", Engine.MMA_SYNC, 2, 1, "sm_90", 1),
                row(H100, 128, null, DENSE, WGMMA, "128x128/8", Engine.WGMMA, 2, 1, "sm_90a", 1),
                row(H100, 128, new TilePlan(128, 128, 8), DENSE, FORCED, "64x64/4", Engine.HOPPER, 2, 1, "sm_90a", 2),
                row(A100, 32, null, DENSE, NONE, "128x64/8", Engine.MMA_SYNC, 2, 1, "sm_80", 1),
                row(A100, 128, null, DENSE, NONE, "128x64/4", Engine.MMA_SYNC, 2, 1, "sm_80", 1),
                row(A100, 64, null, 0.2, NONE, "128x64/4", Engine.MMA_SYNC, 2, 1, "sm_80", 1),
                row(A100, 256, null, DENSE, NONE, "64x64/4", Engine.MMA_SYNC, 2, 2, "sm_80", 2),
                row(DeviceCaps.Cuda.parse("sm_89"), 64, null, DENSE, NONE, "128x64/4", Engine.MMA_SYNC, 2, 1, "sm_89", 1));
    }

    private static Arguments row(DeviceCaps device, int d, TilePlan tuned, double kept, BackendOptions o, String tiles, Engine engine,
            int stages, int minBlocks, String arch, int builds) {
        return Arguments.of(device, d, tuned, kept, o, tiles, engine, stages, minBlocks, arch, builds);
    }

    @ParameterizedTest
    @MethodSource("table")
    void cudaDecisions(DeviceCaps device, int d, TilePlan tuned, double kept, BackendOptions o, String tiles, Engine engine, int stages,
            int minBlocks, String arch, int builds) {
        TilePlan t = TargetPolicy.tiles(new TargetPolicy.TileRequest(device, d, tuned, kept, o));
        assertEquals(tiles, t.blockM() + "x" + t.blockN() + "/" + t.warps());
        List<Decision> all = TargetPolicy.decisions(device, d, t, o);
        Decision.Cuda first = (Decision.Cuda) all.getFirst();
        assertEquals(engine, first.options().engine());
        assertEquals(stages, first.options().stages());
        assertEquals(minBlocks, first.options().minBlocks());
        assertEquals(arch, first.arch());
        assertEquals("--gpu-architecture=" + arch, first.nvrtcFlags().getFirst());
        assertEquals(builds, all.size());
        all.forEach(x -> assertEquals(t, x.tiles()));
    }

    /**
     * A value dimension DV other than D on Hopper's forward: the Hopper kernel where both are at least
     * one box wide (DeepSeek's 192 / 128), mma.sync otherwise; a ring that does not fit the device's
     * shared memory takes fewer stages, or another engine.
     */
    @Test
    void theForwardWithDvOtherThanDRunsOnTheHopperKernel() {
        DeviceCaps.Cuda h100 = (DeviceCaps.Cuda) H100;
        record Pair(int d, int dv, Engine engine) {}
        for (Pair p : List.of(new Pair(192, 128, Engine.HOPPER), new Pair(128, 64, Engine.HOPPER), new Pair(64, 128, Engine.HOPPER),
                new Pair(80, 48, Engine.MMA_SYNC), new Pair(32, 64, Engine.MMA_SYNC))) {
            TilePlan t = TargetPolicy.tiles(new TargetPolicy.TileRequest(H100, p.d(), null, DENSE, NONE));
            Decision.Cuda first = (Decision.Cuda) TargetPolicy.decisions(H100, p.d(), p.dv(), t, NONE).getFirst();
            assertEquals(p.engine(), first.options().engine(), p.toString());
            if (p.engine() == Engine.HOPPER) {
                assertTrue(CudaCodegen.hopperSharedBytes(p.d(), p.dv(), t, first.options().stages()) <= h100.maxSharedPerBlockOptin());
            }
            assertEquals(p.engine(), ((Decision.Cuda) TargetPolicy.decisions(H100, p.d(), p.dv(), t, WGMMA).getFirst()).options().engine(),
                    "a forced FA2 loop on wgmma does not take DV != D: " + p);
        }
        assertEquals(Engine.MMA_SYNC, ((Decision.Cuda) TargetPolicy.decisions(H100, 192, 128, new TilePlan(128, 64, 8), MMA).getFirst())
                .options().engine());
        // D = 256 at 128 x 128: two stages need 321 KiB, more than the H100's 227: the FA2 loop on wgmma takes it
        assertEquals(0, TargetPolicy.hopperStages(h100, 256, 256, new TilePlan(128, 128, 8)));
        assertEquals(Engine.WGMMA, ((Decision.Cuda) TargetPolicy.decisions(H100, 256, new TilePlan(128, 128, 8), NONE).getFirst())
                .options().engine());
        assertEquals(2, TargetPolicy.hopperStages(h100, 192, 128, new TilePlan(128, 128, 8)), "211 KiB fit");
        assertEquals(3, TargetPolicy.hopperStages(h100, 64, 64, new TilePlan(128, 64, 8)), "64-key tiles at D <= 64");
        assertEquals(2, TargetPolicy.hopperStages(h100, 64, 128, new TilePlan(128, 64, 8)), "DV = 128: two");
    }

    @Test
    void spillFallbacksComeInOrder() {
        List<Decision> hopper = TargetPolicy.decisions(H100, 128, new TilePlan(128, 128, 8), NONE);
        assertEquals(List.of(true, false), hopper.stream().map(x -> ((Decision.Cuda) x).options().schedule().overlap()).toList());
        List<Decision> mma = TargetPolicy.decisions(A100, 256, new TilePlan(64, 64, 4), NONE);
        assertEquals(List.of(2, 1), mma.stream().map(x -> ((Decision.Cuda) x).options().minBlocks()).toList());
    }

    @Test
    void otherTargets() {
        assertEquals(new TilePlan(64, 64, 1), TargetPolicy.tiles(new TargetPolicy.TileRequest(new DeviceCaps.Cpu(), 128, null, 0.1, NONE)));
        assertEquals(new TilePlan(32, 32, 1), TargetPolicy.tiles(new TargetPolicy.TileRequest(DeviceCaps.OpenCl.DEFAULT, 64, null, DENSE, NONE)));
        assertEquals(new TilePlan(16, 8, 1),
                TargetPolicy.tiles(new TargetPolicy.TileRequest(DeviceCaps.OpenCl.parse("16,8192"), 64, null, DENSE, NONE)));
        assertEquals(List.of(new Decision.OpenCl(new TilePlan(32, 32, 1), "-cl-std=CL1.2")),
                TargetPolicy.decisions(DeviceCaps.OpenCl.DEFAULT, 64, new TilePlan(32, 32, 1), NONE));
    }

    @Test
    void candidatesFitTheDevice() {
        assertEquals(List.of(new TilePlan(192, 128, 12), new TilePlan(128, 128, 8), new TilePlan(192, 64, 12), new TilePlan(128, 64, 8),
                new TilePlan(64, 128, 4)), TargetPolicy.tileCandidates(H100, 64, NONE));
        assertEquals(List.of(new TilePlan(128, 128, 8), new TilePlan(128, 64, 8), new TilePlan(64, 128, 4)),
                TargetPolicy.tileCandidates(H100, 128, NONE));
        assertEquals(List.of(new TilePlan(128, 64, 4), new TilePlan(128, 64, 8), new TilePlan(64, 64, 4), new TilePlan(128, 128, 8)),
                TargetPolicy.tileCandidates(A100, 128, NONE));
    }

    @Test
    void systemPropertiesAreReadIntoOneRecord() {
        Properties p = new Properties();
        p.setProperty("attnc.cuda.tiles.64", "128x64/4");
        p.setProperty("attnc.cuda.wgmma", "false");
        p.setProperty("attnc.cuda.minBlocks", "2");
        p.setProperty("attnc.cache.dir", "/tmp/c");
        assertEquals(new BackendOptions(Map.of(64, new TilePlan(128, 64, 4)), Engine.MMA_SYNC, 2, Path.of("/tmp/c")),
                BackendOptions.from(p, null));
        assertEquals(NONE, BackendOptions.from(new Properties(), " "));
        p.setProperty("attnc.cuda.wgmma", "true");
        p.setProperty("attnc.cuda.engine", "fast");
        assertThrows(IllegalArgumentException.class, () -> BackendOptions.from(p, null));
        assertThrows(IllegalArgumentException.class, () -> DeviceCaps.Cuda.parse("sm_75"));
    }

    /**
     * The backward on Hopper (built for sm_90a) where D needs no padding (64, 128): the warp-specialized
     * dK/dV kernel at 64 x 128 tiles, or the FA2-style kernels on wgmma at 64 x 64 when forced or with a
     * deterministic dQ; fast math unless exact is asked for; mma.sync on the GPU's own architecture
     * before Hopper, with the mma.sync engine forced, and at D = 80 and the other padded or partial widths.
     */
    @Test
    void theBackwardRunsWarpSpecializedOnHopperAtWholeBlocksOfD() {
        DeviceCaps.Cuda h100 = (DeviceCaps.Cuda) H100, sm86 = DeviceCaps.Cuda.parse("sm_86");
        BackendOptions hopper = new BackendOptions(Map.of(), Engine.HOPPER, 0, null);
        BackendOptions deterministic = new BackendOptions(Map.of(), null, 0, null, true);
        Properties exact = new Properties();
        exact.setProperty("attnc.cuda.backwardMath", "exact");
        for (int d : new int[] {64, 128}) {
            for (BackendOptions o : List.of(NONE, FORCED, hopper)) {
                Decision.Cuda b = TargetPolicy.cudaBackward(h100, d, d, o);
                assertEquals(Engine.HOPPER, b.options().engine(), "D = " + d);
                assertEquals("sm_90a", b.arch());
                assertTrue(b.nvrtcFlags().contains("--gpu-architecture=sm_90a"));
                assertEquals(CudaBackwardCodegen.HOPPER_TILES, b.tiles());
                assertTrue(b.options().fastMath(), "the forward's fast math");
                assertTrue(b.nvrtcFlags().contains("--prec-div=false"));
            }
            for (BackendOptions o : List.of(WGMMA, deterministic)) {
                Decision.Cuda b = TargetPolicy.cudaBackward(h100, d, d, o);
                assertEquals(Engine.WGMMA, b.options().engine(), "D = " + d);
                assertEquals(CudaBackwardCodegen.TILES, b.tiles());
            }
            assertFalse(TargetPolicy.cudaBackward(h100, d, d, BackendOptions.from(exact, null)).options().fastMath(), "exact when asked");
            Decision.Cuda mma = TargetPolicy.cudaBackward(h100, d, d, MMA);
            assertEquals(Engine.MMA_SYNC, mma.options().engine());
            assertEquals("sm_90", mma.arch());
            assertEquals(Engine.MMA_SYNC, TargetPolicy.cudaBackward(sm86, d, d, NONE).options().engine());
            assertEquals("sm_86", TargetPolicy.cudaBackward(sm86, d, d, NONE).arch());
        }
        for (int d : new int[] {32, 40, 80, 96}) {
            Decision.Cuda b = TargetPolicy.cudaBackward(h100, d, d, NONE);
            assertEquals(Engine.MMA_SYNC, b.options().engine(), "D = " + d + " is padded or not whole 64-column blocks");
            assertEquals("sm_90", b.arch());
        }
    }

    /** A value dimension DV other than D: mma.sync on Hopper too (the wgmma program takes DV = D only). */
    @Test
    void theBackwardWithDvOtherThanDRunsOnMmaSync() {
        DeviceCaps.Cuda h100 = (DeviceCaps.Cuda) H100;
        for (int[] pair : new int[][] {{192, 128}, {64, 128}, {128, 64}}) {
            for (BackendOptions o : List.of(NONE, FORCED, WGMMA)) {
                Decision.Cuda b = TargetPolicy.cudaBackward(h100, pair[0], pair[1], o);
                assertEquals(Engine.MMA_SYNC, b.options().engine(), "D = " + pair[0] + ", DV = " + pair[1]);
                assertEquals("sm_90", b.arch());
            }
        }
        assertEquals(Engine.HOPPER, TargetPolicy.cudaBackward(h100, 128, 128, NONE).options().engine(), "DV = D: warp-specialized");
    }

    /**
     * dQ's form as measured: the warp-specialized kernel's atomic adds; on the FA2-style wgmma kernels
     * at D = 128 the deterministic second pass where a pair's work is light, the atomic adds where it is
     * heavy (soft-cap's tanh, a learned table's gather per pair); at D = 64 and on mma.sync the atomic
     * adds; either when forced.
     */
    @Test
    void theBackwardsFormOfDqFollowsTheEngineAndThePairsWork() {
        DeviceCaps.Cuda h100 = (DeviceCaps.Cuda) H100, sm86 = DeviceCaps.Cuda.parse("sm_86");
        Decision.Cuda wgmma = TargetPolicy.cudaBackward(h100, 128, 128, WGMMA), mma = TargetPolicy.cudaBackward(sm86, 128, 128, NONE);
        Decision.Cuda wgmma64 = TargetPolicy.cudaBackward(h100, 64, 64, WGMMA), ws = TargetPolicy.cudaBackward(h100, 128, 128, NONE);
        for (String light : List.of("full", "causal", "alibi", "document")) {
            assertEquals(DqForm.ATOMIC, TargetPolicy.cudaBackwardForm(TestPrograms.sample(light), 128, ws, NONE), light);
            assertEquals(DqForm.DETERMINISTIC, TargetPolicy.cudaBackwardForm(TestPrograms.sample(light), 128, wgmma, NONE), light);
            assertEquals(DqForm.ATOMIC, TargetPolicy.cudaBackwardForm(TestPrograms.sample(light), 64, wgmma64, NONE), light);
            assertEquals(DqForm.ATOMIC, TargetPolicy.cudaBackwardForm(TestPrograms.sample(light), 128, mma, NONE), light);
        }
        for (String heavy : List.of("softcap", "relative_bias")) {
            assertEquals(DqForm.ATOMIC, TargetPolicy.cudaBackwardForm(TestPrograms.sample(heavy), 128, wgmma, NONE), heavy);
        }
        assertEquals(null, NONE.cudaDeterministic());
        Properties p = new Properties();
        p.setProperty("attnc.cuda.deterministic", "true");
        BackendOptions deterministic = BackendOptions.from(p, null);
        assertTrue(deterministic.cudaDeterministic());
        assertEquals(DqForm.DETERMINISTIC, TargetPolicy.cudaBackwardForm(TestPrograms.sample("softcap"), 128, mma, deterministic));
        p.setProperty("attnc.cuda.deterministic", "false");
        assertEquals(DqForm.ATOMIC, TargetPolicy.cudaBackwardForm(TestPrograms.sample("full"), 128, wgmma, BackendOptions.from(p, null)));
        p.setProperty("attnc.cuda.deterministic", "yes");
        assertThrows(IllegalArgumentException.class, () -> BackendOptions.from(p, null));
    }
}
