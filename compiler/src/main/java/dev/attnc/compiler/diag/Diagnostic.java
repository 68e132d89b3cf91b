package dev.attnc.compiler.diag;

import java.util.List;

/**
 * One finding about a program, as data: a key from diagnostics.properties, where, and the
 * arguments of its message. {@link DiagnosticRenderer} turns it into words for people; tests
 * compare {@link #raw()}.
 */
public record Diagnostic(Severity severity, String key, SourceFile source, Span span, List<Object> args) {

    public enum Severity { ERROR, WARNING }

    public Diagnostic {
        args = List.copyOf(args);
    }

    public static Diagnostic error(String key, SourceFile source, Span span, Object... args) {
        return new Diagnostic(Severity.ERROR, key, source, span, List.of(args));
    }

    /** The form tests compare: {@code file:line:col: key}. */
    public String raw() {
        return source.name() + ":" + span.line() + ":" + span.column() + ": " + key;
    }

    public String message() {
        return Messages.format(key, args);
    }
}
