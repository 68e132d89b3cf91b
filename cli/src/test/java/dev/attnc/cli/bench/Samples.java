package dev.attnc.cli.bench;

import java.nio.file.Files;
import java.nio.file.Path;

/** The repository's samples/ folder, from the module folder (Maven) or the repository root (IDE). */
final class Samples {
    private Samples() {}

    static Path file(String name) {
        Path here = Path.of("samples", name);
        return Files.exists(here) ? here : Path.of("..", "samples", name);
    }
}
