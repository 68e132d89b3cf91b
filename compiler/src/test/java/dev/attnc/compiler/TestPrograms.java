package dev.attnc.compiler;

import dev.attnc.compiler.diag.DiagnosticRenderer;
import dev.attnc.compiler.diag.SourceFile;
import dev.attnc.compiler.ir.Attention;
import dev.attnc.testkit.Repo;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.stream.Collectors;

/** Compiles program text and the samples in tests, failing with the rendered diagnostics if they have errors. */
public final class TestPrograms {
    private TestPrograms() {}

    public static Compilation compile(String text) {
        Compilation c = Compilation.of(new SourceFile("test.attn", text));
        if (c.hasErrors()) {
            throw new AssertionError(c.diagnostics().stream().map(DiagnosticRenderer::render).collect(Collectors.joining()));
        }
        return c;
    }

    public static Attention optimized(String text) {
        return compile(text).optimized(null);
    }

    public static Attention lowered(String text) {
        return compile(text).lowered(null);
    }

    /** The optimized IR of the (only or first) attention of samples/NAME.attn. */
    public static Attention sample(String name) {
        return sample(Repo.sample(name));
    }

    /** The optimized IR of every attention of a sample file, in the file's order. */
    public static java.util.List<Attention> sampleAttentions(Path file) {
        try {
            Compilation c = Compilation.of(SourceFile.read(file)).orThrow();
            return c.attentionNames().stream().map(c::optimized).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The optimized IR of the (only or first) attention of a sample file. */
    public static Attention sample(Path file) {
        try {
            Compilation c = Compilation.of(SourceFile.read(file)).orThrow();
            return c.optimized(c.attentionNames().getFirst());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
