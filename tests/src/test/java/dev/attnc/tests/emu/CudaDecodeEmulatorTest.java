package dev.attnc.tests.emu;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.attnc.compiler.codegen.c.Storage;
import dev.attnc.compiler.ir.Attention;
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
 * The CUDA decode program run, not only printed, where there is no GPU: its generated source compiled
 * with g++ against bench/gpu/emu's emulator (warps as fibers, mma.sync and ldmatrix in software) and
 * compared with a double-precision reference by bench/gpu/emu/harness_decode.cpp, over ragged GQA
 * inputs with one short sequence. A few shapes that cover its paths: heads packed, several splits
 * (the combine), 16-row tiles of a longer Q_LEN, pages, a value dimension other than D, fp16, a
 * sink and sigmoid, and rows in the block plan's later query tiles (chunked prefill: Q_LEN 100 and
 * 300 over pages of 7 and 16 rows, a sequence of length 0); paged runs equal the dense run bit for
 * bit. Skipped where no g++ is installed.
 */
class CudaDecodeEmulatorTest {
    /**
     * variant number (the harness's reference), file, D, DV, storage, Q_LEN, heads packed, splits, page rows, and the
     * block plan's query tile where the rows reach past the first (0: one plan row over all Q_LEN rows).
     */
    private record Case(int variant, String file, int d, int dv, Storage storage, int qLen, int heads, int splits, int page, int planM) {
        Case(int variant, String file, int d, int dv, Storage storage, int qLen, int heads, int splits, int page) {
            this(variant, file, d, dv, storage, qLen, heads, splits, page, 0);
        }
    }

    private static final List<Case> CASES = List.of(
            new Case(2, "samples/alibi.attn", 64, 64, Storage.BF16, 3, 4, 3, 0),
            new Case(9, "bench/gpu/variants/decode_causal.attn", 64, 64, Storage.BF16, 40, 1, 2, 16),
            new Case(7, "samples/gpt_oss.attn", 128, 64, Storage.F16, 2, 4, 4, 0),
            new Case(8, "samples/sigmoid.attn", 64, 64, Storage.BF16, 1, 4, 1, 16),
            // chunked prefill over a paged cache: rows in plan rows past the first, causal aligned to each
            // sequence's end and a score that reads q and kv, pages of 16 (a table read a chunk) and of 7 (one a
            // row) against the same call dense, bit for bit; sequences of lengths {333, 0, 100}
            new Case(9, "bench/gpu/variants/decode_causal.attn", 64, 64, Storage.BF16, 100, 1, 2, 7, 64),
            new Case(2, "samples/alibi.attn", 64, 64, Storage.BF16, 300, 1, 1, 16, 64));

    @TempDir
    Path work;

    @TestFactory
    Stream<DynamicTest> theDecodeProgramAgreesWithTheReference() {
        assumeTrue(Emulator.available(), "no g++ here");
        List<DynamicTest> tests = new ArrayList<>();
        for (Case c : CASES) {
            tests.add(DynamicTest.dynamicTest(c.toString(), () -> run(c)));
        }
        return tests.stream();
    }

    private void run(Case c) throws IOException, InterruptedException {
        Attention a = Emulator.firstAttention(Repo.path(c.file()));
        Path cu = work.resolve("v" + c.variant() + ".cu");
        EmulatedDecode.write(a, c.storage(), c.d(), c.dv(), 64, c.planM(), 3, cu);
        List<String> defines = new ArrayList<>(List.of("VARIANT=" + c.variant(), "QLEN=" + c.qLen(), "HEADS=" + c.heads(),
                "NSPLITS=" + c.splits(), "PAGE=" + c.page()));
        if (c.planM() > 0) {
            // three sequences, one head (fewer blocks to emulate: the heads' paths are the cases above), the grid's units over y and z
            defines.addAll(List.of("PLAN_M=" + c.planM(), "THREE_LENS", "HQ=1", "HKV=1", "GRID_Z=2"));
        }
        if (c.storage() == Storage.F16) defines.add("EMU_F16");
        String out = Emulator.run("harness_decode.cpp", cu, work.resolve("emu" + c.variant()), defines);
        assertTrue(out.contains(", 0 bad"), c + ": " + out);
    }
}
