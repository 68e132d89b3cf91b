package dev.attnc.compiler;

import dev.attnc.compiler.diag.DiagnosticRenderer;
import dev.attnc.compiler.diag.SourceFile;
import dev.attnc.compiler.ir.Attention;
import java.util.stream.Collectors;

/** Compiles program text in tests, failing with the rendered diagnostics if it has errors. */
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
}
