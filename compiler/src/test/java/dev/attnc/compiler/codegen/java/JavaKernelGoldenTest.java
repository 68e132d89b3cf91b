package dev.attnc.compiler.codegen.java;

import dev.attnc.compiler.TestPrograms;
import dev.attnc.compiler.plan.TilePlan;
import dev.attnc.testkit.Golden;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The generated Java of a few samples, compared with golden files under
 * src/test/resources/golden/java. Regenerate with {@code -Dattnc.golden.update=true} (then read the diff).
 */
class JavaKernelGoldenTest {
    @ParameterizedTest
    @ValueSource(strings = {"alibi", "relative_bias", "neighborhood_2d"})
    void generatedSourceMatchesGolden(String sample) {
        String actual = JavaKernelGenerator.generate(TestPrograms.sample(sample), "float32", 128, new TilePlan(64, 64, 1)).toString();
        Golden.check("compiler/src/test/resources/golden/java/" + sample + ".java.txt", actual);
    }
}
