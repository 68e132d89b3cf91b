package dev.attnc.compiler.codegen.java;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.attnc.compiler.Compilation;
import dev.attnc.compiler.diag.SourceFile;
import dev.attnc.compiler.plan.TilePlan;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The generated Java of a few samples, compared with golden files under
 * src/test/resources/golden/java. Regenerate with {@code -Dattnc.golden.update=true} (then read the diff).
 */
class JavaKernelGoldenTest {
    /** The repository root: the tests run with the compiler module as working directory. */
    private static Path root() {
        Path here = Path.of("").toAbsolutePath();
        return Files.exists(here.resolve("samples")) ? here : here.getParent();
    }

    @ParameterizedTest
    @ValueSource(strings = {"alibi", "relative_bias", "neighborhood_2d"})
    void generatedSourceMatchesGolden(String sample) throws IOException {
        Path source = root().resolve("samples").resolve(sample + ".attn");
        var attention = Compilation.of(SourceFile.read(source)).orThrow().optimized(null);
        String actual = JavaKernelGenerator.generate(attention, "float32", 128, new TilePlan(64, 64, 1)).toString();
        Path golden = root().resolve("compiler/src/test/resources/golden/java").resolve(sample + ".java.txt");
        if (Boolean.getBoolean("attnc.golden.update")) {
            Files.createDirectories(golden.getParent());
            Files.writeString(golden, actual);
            return;
        }
        String expected = Files.exists(golden) ? Files.readString(golden) : "<missing " + golden + ">";
        assertEquals(expected, actual, "golden " + golden.getFileName() + " (regenerate with -Dattnc.golden.update=true)");
    }
}
