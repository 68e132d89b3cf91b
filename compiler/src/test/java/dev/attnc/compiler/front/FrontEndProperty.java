package dev.attnc.compiler.front;

import dev.attnc.compiler.Compilation;
import dev.attnc.compiler.diag.CompileException;
import dev.attnc.compiler.diag.Diagnostic;
import dev.attnc.compiler.diag.DiagnosticRenderer;
import dev.attnc.compiler.diag.SourceFile;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;

/**
 * What attnc promises for any file (docs/reliability.md, "Programs"): it compiles (parse, check,
 * lower, every pass, block-plan classification) or it gets diagnostics that render with a place;
 * never an exception, never a stack overflow (on a 1 MB stack), and within a time that grows
 * about linearly with its size.
 */
final class FrontEndProperty {
    private FrontEndProperty() {}

    /** A generous allowance: a fixed part for a cold JIT and a busy machine, plus a part per byte. */
    static long allowedMillis(int bytes) {
        return 10_000 + bytes / 10;
    }

    /** Null when the property holds for this file; otherwise what went wrong. */
    static String violation(String name, byte[] bytes) {
        long start = System.nanoTime();
        String failure;
        try {
            List<Diagnostic> diagnostics;
            try {
                SourceFile source = SourceFile.decode(name, bytes);
                diagnostics = FrontEndRun.compile(source.name(), source.text()).diagnostics();
            } catch (CompileException e) {
                diagnostics = e.diagnostics();
            }
            failure = null;
            for (Diagnostic d : diagnostics) {
                String rendered = DiagnosticRenderer.render(d);
                if (d.span().line() <= 0 || !rendered.contains("^")) failure = "a diagnostic with no place: " + rendered;
            }
        } catch (Throwable e) {
            StringWriter trace = new StringWriter();
            e.printStackTrace(new PrintWriter(trace));
            String text = trace.toString();
            failure = text.substring(0, Math.min(text.length(), 3000));
        }
        long millis = (System.nanoTime() - start) / 1_000_000;
        if (failure == null && millis > allowedMillis(bytes.length)) {
            failure = "took " + millis + " ms for " + bytes.length + " bytes (allowed " + allowedMillis(bytes.length) + " ms)";
        }
        return failure;
    }
}
