package dev.attnc.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * Golden files: compare text with a stored expectation. Run with {@code -Dattnc.golden.update=true}
 * to rewrite the expectations (then read the diff before committing it).
 */
final class Golden {
    private Golden() {}

    /** The repository root (the tests run with the tests module as working directory). */
    static Path root() {
        Path here = Path.of("").toAbsolutePath();
        return Files.exists(here.resolve("samples")) ? here : here.getParent();
    }

    static List<Path> files(String dir, String extension) throws IOException {
        try (Stream<Path> s = Files.list(root().resolve(dir))) {
            return s.filter(p -> p.toString().endsWith(extension)).sorted().toList();
        }
    }

    static void check(Path expected, String actual) throws IOException {
        if (Boolean.getBoolean("attnc.golden.update")) {
            Files.createDirectories(expected.getParent());
            Files.writeString(expected, actual);
            return;
        }
        String want = Files.exists(expected) ? Files.readString(expected) : "<missing " + expected + ">";
        assertEquals(want, actual, "golden file " + root().relativize(expected) + " (regenerate with -Dattnc.golden.update=true)");
    }

    static String stem(Path p) {
        String name = p.getFileName().toString();
        return name.substring(0, name.lastIndexOf('.'));
    }
}
