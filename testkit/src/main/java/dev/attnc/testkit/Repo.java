package dev.attnc.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** The repository as tests see it: its root, whatever module folder (Maven) or root (IDE) they run in, and the samples. */
public final class Repo {
    private Repo() {}

    /** The repository root: the nearest folder, from the working directory up, that holds samples/. */
    public static Path root() {
        Path here = Path.of("").toAbsolutePath();
        for (Path p = here; p != null; p = p.getParent()) if (Files.isDirectory(p.resolve("samples"))) return p;
        throw new IllegalStateException("no samples/ folder in " + here + " or above it: tests run inside the repository");
    }

    /** A path relative to the repository root. */
    public static Path path(String relative) {
        return root().resolve(relative);
    }

    /** The files of a folder of the repository ending in {@code extension}, sorted. */
    public static List<Path> files(String dir, String extension) {
        try (Stream<Path> s = Files.list(path(dir))) {
            return s.filter(p -> p.toString().endsWith(extension)).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every samples/*.attn, sorted. */
    public static List<Path> samples() {
        return files("samples", ".attn");
    }

    /** samples/NAME.attn. */
    public static Path sample(String name) {
        return path("samples").resolve(name + ".attn");
    }

    /** A file's name without its last extension: {@code causal} for samples/causal.attn. */
    public static String stem(Path p) {
        String name = p.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return dot < 0 ? name : name.substring(0, dot);
    }
}
