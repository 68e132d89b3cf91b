package dev.attnc.compiler.codegen.cuda;

import dev.attnc.compiler.TestPrograms;
import dev.attnc.compiler.codegen.c.Storage;
import dev.attnc.compiler.plan.TilePlan;
import dev.attnc.testkit.Golden;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The generated CUDA of three samples (a score function with a per-head tensor, a mask reading a
 * tensor per row and per key, per-row and per-column values in one mask), compared with golden
 * files under src/test/resources/golden/cuda. Regenerate with {@code -Dattnc.golden.update=true}
 * and read the diff. The kernels themselves run in CudaBackendGpuTest (GPU) and on the CPU
 * emulator of bench/gpu/emu.
 */
class CudaGoldenTest {
    @ParameterizedTest
    @ValueSource(strings = {"alibi_softcap", "document_causal", "neighborhood_2d"})
    void generatedSourceMatchesGolden(String sample) {
        String actual = CudaCodegen.generate(TestPrograms.sample(sample), Storage.BF16, 128, new TilePlan(128, 64, 4), CudaCodegen.Options.defaults(128, new TilePlan(128, 64, 4))).text();
        Golden.check("compiler/src/test/resources/golden/cuda/" + sample + ".cu", actual);
    }
}
