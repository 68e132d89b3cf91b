package dev.attnc.tests.emu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.attnc.compiler.codegen.c.Storage;
import dev.attnc.compiler.codegen.cuda.CudaCodegen.Engine;
import dev.attnc.compiler.codegen.cuda.DqForm;
import dev.attnc.compiler.ir.Attention;
import dev.attnc.testkit.Repo;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CUDA backward run where there is no GPU: its generated program compiled with g++ against
 * bench/gpu/emu's emulator (mma.sync, ldmatrix and, on the wgmma engine, wgmma through its
 * shared-memory descriptors, in software) and compared with a double-precision reference backward
 * by bench/gpu/emu/harness_backward.cpp (dQ, dK, dV and the parameters' gradients). Both forms of dQ
 * and both engines, over samples with a parameter, a score function, a sink and sigmoid. Skipped
 * where no g++ is installed.
 */
class CudaBackwardEmulatorTest {
    /** variant number (the harness's reference), sample, D, DV (V's rows), storage, form of dQ, engine. */
    private record Case(int variant, String sample, int d, int dv, Storage storage, DqForm form, Engine engine, boolean atomicParams) {
        Case(int variant, String sample, int d, int dv, Storage storage, DqForm form, Engine engine) {
            this(variant, sample, d, dv, storage, form, engine, false);
        }
    }

    private static final List<Case> CASES = List.of(
            new Case(2, "alibi", 64, 64, Storage.BF16, DqForm.ATOMIC, Engine.MMA_SYNC),
            new Case(4, "softcap", 64, 64, Storage.F16, DqForm.DETERMINISTIC, Engine.MMA_SYNC),
            new Case(7, "gpt_oss", 64, 64, Storage.BF16, DqForm.ATOMIC, Engine.WGMMA),
            new Case(8, "sigmoid", 64, 64, Storage.BF16, DqForm.DETERMINISTIC, Engine.WGMMA),
            // the warp-specialized dK/dV kernel (TMA, mbarriers, two consumer warpgroups): dQ's columns split at D = 128,
            // its keys at D = 64; a learned parameter, a sink, a score function, a causal mask over key blocks of 128
            new Case(2, "alibi", 128, 128, Storage.BF16, DqForm.ATOMIC, Engine.HOPPER),
            new Case(7, "gpt_oss", 64, 64, Storage.F16, DqForm.ATOMIC, Engine.HOPPER),
            new Case(4, "softcap", 64, 64, Storage.BF16, DqForm.ATOMIC, Engine.HOPPER),
            // a learned table read at kv - q: its gradient summed per item in shared memory (with atomics), or per thread's slot
            new Case(10, "relative_bias", 128, 128, Storage.BF16, DqForm.ATOMIC, Engine.HOPPER, true),
            new Case(10, "relative_bias", 64, 64, Storage.BF16, DqForm.ATOMIC, Engine.HOPPER, false),
            // a value dimension other than D: DeepSeek MLA's 192 / 128 (tiles 256 wide, D padded), and DV > D
            new Case(2, "alibi", 192, 128, Storage.BF16, DqForm.ATOMIC, Engine.MMA_SYNC),
            new Case(4, "softcap", 32, 64, Storage.F16, DqForm.DETERMINISTIC, Engine.MMA_SYNC));

    @TempDir
    Path work;

    @TestFactory
    Stream<DynamicTest> theBackwardAgreesWithTheReference() {
        assumeTrue(Emulator.available(), "no g++ here");
        return CASES.stream().map(c -> DynamicTest.dynamicTest(c.toString(), () -> run(c)));
    }

    /**
     * T5's bucketed table (read at a function of kv − q through logs and clamps) on the warp-specialized kernel: its
     * gradient summed along the tiles' diagonals (with atomics) equals the per-thread slots' sums (without), to rounding.
     */
    @Test
    void aBucketedTableSumsTheSameAlongDiagonalsAsInSlots() throws IOException, InterruptedException {
        assumeTrue(Emulator.available(), "no g++ here");
        Path cu = work.resolve("t5_bias.cu");
        EmulatedBackward.write(Emulator.firstAttention(Repo.sample("t5_bias")), Storage.BF16, 64, 64, DqForm.ATOMIC, Engine.HOPPER, cu);
        assertTrue(java.nio.file.Files.readString(cu).contains("__shfl_down_sync(0xffffffffu, v, 9)"), "the diagonal sums");
        double[] slots = tableGradient(cu, 0), diagonals = tableGradient(cu, 1);
        assertEquals(slots.length, diagonals.length);
        double max = 0, diff = 0;
        for (int i = 0; i < slots.length; i++) {
            max = Math.max(max, Math.abs(slots[i]));
            diff = Math.max(diff, Math.abs(slots[i] - diagonals[i]));
        }
        assertTrue(max > 0.1 && diff <= 1e-5 * max * slots.length, "largest difference " + diff + " of largest " + max);
    }

    /**
     * A two-pass body whose parameter term reads a per-query value ({@code float(q)}, kept in the column loop's
     * arrays): the second pass computes the column values it reads (the first pass's arrays are out of its scope);
     * dQ, dK, dV and the slopes' gradient against the reference (harness variant 12).
     */
    @Test
    void aSecondPassTermThatReadsAPerQueryValue() throws IOException, InterruptedException {
        assumeTrue(Emulator.available(), "no g++ here");
        Emulated e = warpSpecialized("qkv_slope", "attention qkv_slope(slopes: float[H]) {\n"
                + "    score = score + slopes[h] * float(q) * float(kv) * 0.0001\n    mask = q >= kv\n}\n", 64, 12);
        assertTrue(e.source().contains("// S^T is done: P while dP^T runs"), "two passes");
        assertTrue(e.out().contains("dslopes") && !e.out().contains("NaN!"), e.out());
    }

    /**
     * A FULL tile's conversion of an int affine in q and kv, once per thread and tile (AffineConversions), on a program
     * without a mask, so that FULL tiles run it: dQ, dK, dV and the slopes' gradient against the reference (variant 13).
     */
    @Test
    void anAffineConversionOncePerTile() throws IOException, InterruptedException {
        assumeTrue(Emulator.available(), "no g++ here");
        for (int d : new int[] {64, 128}) {
            Emulated e = warpSpecialized("affine", "attention affine(slopes: float[H]) {\n"
                    + "    score = score + slopes[h] * float(2 * (kv - q) + h) * 0.01\n}\n", d, 13);
            assertTrue(e.source().contains("const float attn_fb0 = (float)attn_ab0;"), "converted once a tile");
            assertTrue(e.out().contains("dslopes") && !e.out().contains("NaN!"), e.out());
        }
    }

    /**
     * Four tables read at kv − q, their gradients summed along diagonals with atomics (harness variant 14): at D = 128
     * three reduced per item in shared-memory buffers and the fourth by each chain's own atomic
     * (CudaBackwardCodegen.bufferedDiagonals), at D = 64 all four buffered.
     */
    @Test
    void fourTablesSummedAlongDiagonals() throws IOException, InterruptedException {
        assumeTrue(Emulator.available(), "no g++ here");
        for (int d : new int[] {128, 64}) {
            Emulated e = warpSpecialized("four_tables", """
                    attention four_tables(t1: float[H, 2 * KV_LEN], t2: float[H, 2 * KV_LEN], t3: float[H, 2 * KV_LEN], t4: float[H, 2 * KV_LEN]) {
                        score = score + t1[h, kv - q + KV_LEN] + t2[h, kv - q + KV_LEN] * 0.5 + t3[h, kv - q + KV_LEN] - t4[h, kv - q + KV_LEN]
                        mask = kv <= q + 40
                    }
                    """, d, 14);
            assertEquals(d == 128, e.source().contains("no room for its buffer"), "the chains' own atomics at D = 128");
            assertTrue(e.out().contains("dt4") && !e.out().contains("NaN!"), e.out());
        }
    }

    /**
     * Fast math's integer division and modulo by a run-time value through its reciprocal (Reciprocals), on negative
     * dividends too, in the mask and the score (harness variant 15): on the warp-specialized kernel and on the FA2-style
     * kernels' deterministic form, whose dQ kernel has query rows.
     */
    @Test
    void aDivisionByARunTimeValueThroughItsReciprocal() throws IOException, InterruptedException {
        assumeTrue(Emulator.available(), "no g++ here");
        Path file = work.resolve("chunks.attn");
        java.nio.file.Files.writeString(file, """
                attention chunks(chunk: int) {
                    score = score + float((q - 40) % chunk) * 0.05
                    mask = q >= kv && (q - 40) / chunk == (kv - 40) / chunk
                }
                """);
        for (Engine engine : List.of(Engine.HOPPER, Engine.MMA_SYNC)) {
            Path cu = work.resolve("chunks_" + engine + ".cu");
            DqForm form = engine == Engine.HOPPER ? DqForm.ATOMIC : DqForm.DETERMINISTIC;
            EmulatedBackward.write(Emulator.firstAttention(file), Storage.BF16, 64, 64, form, engine, true, cu);
            String text = java.nio.file.Files.readString(cu);
            assertTrue(text.contains("attn_floordiv_rcp(") && text.contains("attn_floormod_rcp(") && text.contains("rcp_"), "reciprocals");
            List<String> defines = new ArrayList<>(List.of("VARIANT=15", "VARIANT_NAME=chunks", "ATOMIC=0"));
            if (engine == Engine.HOPPER) defines.add("WS");
            String out = Emulator.run("harness_backward.cpp", cu, work.resolve("emu_chunks_" + engine), defines);
            assertTrue(out.contains("dQ") && !out.contains("NaN!"), engine + ": " + out);
        }
    }

    /** A program's emulated backward source and the harness's output (run to a passing exit). */
    private record Emulated(String source, String out) {}

    /**
     * {@code program} (named {@code name}) on the warp-specialized kernel at D = DV = {@code d}, bf16, dQ and the
     * parameters' sums through atomics, against the harness's reference of {@code variant}.
     */
    private Emulated warpSpecialized(String name, String program, int d, int variant) throws IOException, InterruptedException {
        Path file = work.resolve(name + ".attn");
        java.nio.file.Files.writeString(file, program);
        Path cu = work.resolve(name + "_" + d + ".cu");
        EmulatedBackward.write(Emulator.firstAttention(file), Storage.BF16, d, d, DqForm.ATOMIC, Engine.HOPPER, cu);
        String out = Emulator.run("harness_backward.cpp", cu, work.resolve("emu_" + name + "_" + d),
                List.of("VARIANT=" + variant, "VARIANT_NAME=" + name, "ATOMIC=1", "WS"));
        return new Emulated(java.nio.file.Files.readString(cu), out);
    }

    private double[] tableGradient(Path cu, int atomic) throws IOException, InterruptedException {
        String out = Emulator.run("harness_backward.cpp", cu, work.resolve("emu_t5_" + atomic),
                List.of("VARIANT=11", "VARIANT_NAME=t5_bias", "ATOMIC=" + atomic, "WS"));
        String line = out.lines().filter(l -> l.startsWith("dbias:")).findFirst().orElseThrow();
        return java.util.Arrays.stream(line.substring(6).trim().split(" ")).mapToDouble(Double::parseDouble).toArray();
    }

    private void run(Case c) throws IOException, InterruptedException {
        Attention a = Emulator.firstAttention(Repo.sample(c.sample()));
        Path cu = work.resolve(c.sample() + "_" + c.d() + "_" + c.dv() + ".cu");
        EmulatedBackward.write(a, c.storage(), c.d(), c.dv(), c.form(), c.engine(), cu);
        String text = java.nio.file.Files.readString(cu);
        assertTrue(c.engine() != Engine.WGMMA || text.contains("wgmma_abt("), "the wgmma engine's program");
        assertTrue(c.engine() != Engine.HOPPER || text.contains("ws_abt(") && text.contains("tma_load("), "the warp-specialized program");
        List<String> defines = new ArrayList<>(List.of("VARIANT=" + c.variant(), "VARIANT_NAME=" + c.sample(),
                "ATOMIC=" + (c.atomicParams() ? 1 : 0)));
        if (c.storage() == Storage.F16) defines.add("EMU_F16");
        if (c.engine() == Engine.HOPPER) defines.add("WS");
        String out = Emulator.run("harness_backward.cpp", cu, work.resolve("emu_" + c.sample() + "_" + c.d() + "_" + c.dv()), defines);
        assertTrue(out.contains("dQ") && !out.contains("NaN!"), c + ": " + out);
    }
}
