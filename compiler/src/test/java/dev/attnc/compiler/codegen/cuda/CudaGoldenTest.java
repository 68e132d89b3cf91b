package dev.attnc.compiler.codegen.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.attnc.compiler.Compilation;
import dev.attnc.compiler.codegen.c.Storage;
import dev.attnc.compiler.diag.SourceFile;
import dev.attnc.compiler.plan.TilePlan;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
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
    /** The repository root: the tests run with the compiler module as working directory. */
    static Path root() {
        Path here = Path.of("").toAbsolutePath();
        return Files.exists(here.resolve("samples")) ? here : here.getParent();
    }

    @ParameterizedTest
    @ValueSource(strings = {"alibi_softcap", "document_causal", "neighborhood_2d"})
    void generatedSourceMatchesGolden(String sample) throws IOException {
        Path source = root().resolve("samples").resolve(sample + ".attn");
        var attention = Compilation.of(SourceFile.read(source)).orThrow().optimized(null);
        String actual = CudaCodegen.generate(attention, Storage.BF16, 128, new TilePlan(128, 64, 4), CudaCodegen.Options.defaults(128, new TilePlan(128, 64, 4))).text();
        Path golden = root().resolve("compiler/src/test/resources/golden/cuda").resolve(sample + ".cu");
        if (Boolean.getBoolean("attnc.golden.update")) {
            Files.createDirectories(golden.getParent());
            Files.writeString(golden, actual);
            return;
        }
        String expected = Files.exists(golden) ? Files.readString(golden) : "<missing " + golden + ">";
        assertEquals(expected, actual, "golden " + golden.getFileName() + " (regenerate with -Dattnc.golden.update=true)");
    }
}
