package dev.attnc.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Golden files: compare text with a stored expectation. Run with {@code -Dattnc.golden.update=true}
 * to rewrite the expectations (then read the diff before committing it).
 */
public final class Golden {
    private Golden() {}

    /** Whether this run rewrites the golden files instead of comparing with them. */
    public static boolean updating() {
        return Boolean.getBoolean("attnc.golden.update");
    }

    /** {@code actual} against the golden file at {@code expected} (relative paths: from the repository root). */
    public static void check(Path expected, String actual) {
        Path file = Repo.root().resolve(expected);
        try {
            if (updating()) {
                Files.createDirectories(file.getParent());
                Files.writeString(file, actual);
                return;
            }
            String want = Files.exists(file) ? Files.readString(file) : "<missing " + file + ">";
            assertEquals(want, actual, "golden file " + Repo.root().relativize(file) + " (regenerate with -Dattnc.golden.update=true)");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static void check(String expected, String actual) {
        check(Path.of(expected), actual);
    }
}
