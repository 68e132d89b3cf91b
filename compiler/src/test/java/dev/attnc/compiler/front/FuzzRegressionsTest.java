package dev.attnc.compiler.front;

import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/** Every input that ever broke the front end (tests/fuzz-regressions/) keeps {@link FrontEndProperty}. */
class FuzzRegressionsTest {
    @TestFactory
    Stream<DynamicTest> eachInputThatOnceBrokeSomething() throws IOException {
        try (Stream<Path> files = Files.list(Path.of("..", "tests", "fuzz-regressions"))) {
            return files.filter(p -> p.toString().endsWith(".attn")).sorted().toList().stream()
                    .map(p -> DynamicTest.dynamicTest(p.getFileName().toString(),
                            () -> assertNull(FrontEndProperty.violation(p.getFileName().toString(), Files.readAllBytes(p)))));
        }
    }
}
