package dev.attnc.compiler.diag;

import java.util.List;
import java.util.stream.Collectors;

/** A program has errors: carries all of them. Its message is the rendered diagnostics. */
public final class CompileException extends RuntimeException {
    private final transient List<Diagnostic> diagnostics;

    public CompileException(List<Diagnostic> diagnostics) {
        super(diagnostics.stream().map(DiagnosticRenderer::render).collect(Collectors.joining()));
        this.diagnostics = List.copyOf(diagnostics);
    }

    public List<Diagnostic> diagnostics() {
        return diagnostics;
    }
}
