package dev.attnc.tests.emu;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.attnc.compiler.codegen.c.Storage;
import dev.attnc.compiler.codegen.cuda.CudaCodegen.Engine;
import dev.attnc.compiler.ir.Attention;
import dev.attnc.compiler.plan.TilePlan;
import dev.attnc.testkit.Repo;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CUDA forward kernel run where there is no GPU: compiled with g++ against bench/gpu/emu's
 * emulator and compared with a double-precision reference by bench/gpu/emu/harness.cpp (ragged
 * 77 x 131 GQA inputs, rows that keep nothing): mma.sync at two tile shapes, fp16, a padded head
 * dimension, DV ≠ D, the FA2 loop on wgmma, and the warp-specialized Hopper kernel (CUDA's default
 * engine on sm_90: TMA, mbarriers, ping-pong, two persistent blocks over a tile order; D = 80 and 112
 * padded inside it, D = 192 with DV = 128). Skipped where
 * no g++ is installed.
 */
class CudaForwardEmulatorTest {
    /** variant number (the harness's reference), sample, D, DV, tiles, storage, engine. */
    private record Case(int variant, String sample, int d, int dv, TilePlan tiles, Storage storage, Engine engine) {}

    /** The Hopper engine's tiles: two consumer warpgroups of 64 rows (ping-pong), 128 keys. */
    private static final TilePlan HOPPER_TILES = new TilePlan(128, 128, 8);

    private static final List<Case> CASES = List.of(
            new Case(2, "alibi", 64, 64, new TilePlan(128, 64, 4), Storage.BF16, Engine.MMA_SYNC),
            new Case(5, "padding", 80, 80, new TilePlan(64, 64, 4), Storage.F16, Engine.MMA_SYNC),
            new Case(4, "softcap", 192, 128, new TilePlan(64, 64, 4), Storage.BF16, Engine.MMA_SYNC),
            new Case(7, "gpt_oss", 128, 128, new TilePlan(128, 64, 8), Storage.BF16, Engine.WGMMA),
            new Case(2, "alibi", 64, 64, HOPPER_TILES, Storage.BF16, Engine.HOPPER),
            new Case(6, "sliding_window", 128, 128, HOPPER_TILES, Storage.BF16, Engine.HOPPER),
            // with 77 queries, the causal variants above keep one key tile of 128; these walk several per
            // item (the ring and the overlapped loop): softcap's two (the second ragged), alibi's two of 64
            // (in the policy's 3-stage ring for 64-key tiles at D <= 64; the others run 2 stages)
            new Case(4, "softcap", 128, 128, HOPPER_TILES, Storage.BF16, Engine.HOPPER),
            new Case(2, "alibi", 64, 64, new TilePlan(128, 64, 8), Storage.BF16, Engine.HOPPER),
            // padded inside the Hopper kernel (TMA boxes past D land as zeros): D = 80 (KT = 5 over two
            // boxes), D = 112 fp16 with rows that keep nothing, and DeepSeek's D = 192 / DV = 128 (V's ring
            // narrower than K's) at the policy's tiles for those D
            new Case(4, "softcap", 80, 80, HOPPER_TILES, Storage.BF16, Engine.HOPPER),
            new Case(5, "padding", 112, 112, HOPPER_TILES, Storage.F16, Engine.HOPPER),
            new Case(4, "softcap", 192, 128, new TilePlan(128, 64, 8), Storage.BF16, Engine.HOPPER));

    @TempDir
    Path work;

    @TestFactory
    Stream<DynamicTest> theForwardKernelAgreesWithTheReference() {
        assumeTrue(Emulator.available(), "no g++ here");
        return CASES.stream().map(c -> DynamicTest.dynamicTest(c.toString(), () -> run(c)));
    }

    private void run(Case c) throws IOException, InterruptedException {
        Attention a = Emulator.firstAttention(Repo.sample(c.sample()));
        String name = c.sample() + "_" + c.engine();
        Path cu = work.resolve(name + ".cu");
        String entry = EmulatedForward.write(a, c.storage(), c.d(), c.dv(), c.tiles(), c.engine(), cu);
        List<String> defines = new ArrayList<>(List.of("VARIANT=" + c.variant(), "ENTRY=" + entry));
        if (c.storage() == Storage.F16) defines.add("EMU_F16");
        if (c.engine() == Engine.HOPPER) defines.add("HOPPER");
        String out = Emulator.run("harness.cpp", cu, work.resolve("emu_" + name), defines);
        assertTrue(out.contains(", 0 bad"), c + ": " + out);
    }
}
