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
 * padded inside it, D = 192 with DV = 128); and strided views read in place by both engines ([B,S,H,D]
 * and slices of a packed QKV). Skipped where no g++ is installed.
 */
class CudaForwardEmulatorTest {
    /**
     * variant number (the harness's reference), sample, D, DV, tiles, storage, engine, and where the rows lie
     * (harness.cpp's LAYOUT: 0 dense [B,H,S,D], 1 [B,S,H,D], 2 slices of one packed QKV).
     */
    private record Case(int variant, String sample, int d, int dv, TilePlan tiles, Storage storage, Engine engine, int layout) {
        Case(int variant, String sample, int d, int dv, TilePlan tiles, Storage storage, Engine engine) {
            this(variant, sample, d, dv, tiles, storage, engine, 0);
        }
    }

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
            // boxes) read from [B,S,H,D] in place, D = 112 fp16 with rows that keep nothing, and DeepSeek's
            // D = 192 / DV = 128 (V's ring narrower than K's) at the policy's tiles for those D
            new Case(4, "softcap", 80, 80, HOPPER_TILES, Storage.BF16, Engine.HOPPER, 1),
            new Case(5, "padding", 112, 112, HOPPER_TILES, Storage.F16, Engine.HOPPER),
            new Case(4, "softcap", 192, 128, new TilePlan(128, 64, 8), Storage.BF16, Engine.HOPPER),
            // strided views read in place: mma.sync through the layouts in its signature (O written [B,S,H,DV]),
            // Hopper through its tensor maps' strides (O dense)
            new Case(2, "alibi", 64, 64, new TilePlan(128, 64, 4), Storage.BF16, Engine.MMA_SYNC, 1),
            new Case(5, "padding", 80, 80, new TilePlan(64, 64, 4), Storage.F16, Engine.MMA_SYNC, 1),
            new Case(6, "sliding_window", 128, 128, new TilePlan(64, 64, 4), Storage.BF16, Engine.MMA_SYNC, 2),
            new Case(4, "softcap", 128, 128, HOPPER_TILES, Storage.BF16, Engine.HOPPER, 2));

    @TempDir
    Path work;

    @TestFactory
    Stream<DynamicTest> theForwardKernelAgreesWithTheReference() {
        assumeTrue(Emulator.available(), "no g++ here");
        return CASES.stream().map(c -> DynamicTest.dynamicTest(c.toString(), () -> run(c)));
    }

    private void run(Case c) throws IOException, InterruptedException {
        Attention a = Emulator.firstAttention(Repo.sample(c.sample()));
        String name = c.sample() + "_" + c.engine() + "_" + c.layout();
        Path cu = work.resolve(name + ".cu");
        // mma.sync reads views through the strided form of its kernel; Hopper's kernel is one form, its maps carry the strides
        boolean strided = c.layout() != 0 && c.engine() != Engine.HOPPER;
        String entry = EmulatedForward.write(a, c.storage(), c.d(), c.dv(), c.tiles(), c.engine(), strided, cu);
        List<String> defines = new ArrayList<>(List.of("VARIANT=" + c.variant(), "ENTRY=" + entry, "LAYOUT=" + c.layout()));
        if (c.storage() == Storage.F16) defines.add("EMU_F16");
        if (c.engine() == Engine.HOPPER) defines.addAll(List.of("HOPPER", "DENSE_O"));
        String out = Emulator.run("harness.cpp", cu, work.resolve("emu_" + name), defines);
        assertTrue(out.contains(", 0 bad"), c + ": " + out);
        System.out.println(out.strip().lines().reduce((first, last) -> last).orElse("")); // the harness's summary line, for the log
    }
}
