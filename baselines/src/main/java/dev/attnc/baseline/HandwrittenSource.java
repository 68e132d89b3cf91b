package dev.attnc.baseline;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** The handwritten kernel sources, resources under {@code handwritten/}. */
final class HandwrittenSource {
    private HandwrittenSource() {}

    static String read(String file) {
        try (InputStream in = HandwrittenSource.class.getResourceAsStream("/handwritten/" + file)) {
            if (in == null) throw new IllegalStateException("resource handwritten/" + file + " is missing from the class path");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
