package dev.attnc.compiler.diag;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** Collects the diagnostics of one compilation, so that all of a file's errors come out in one run. */
public final class Diagnostics {
    private final SourceFile source;
    private final List<Diagnostic> items = new ArrayList<>();

    public Diagnostics(SourceFile source) {
        this.source = source;
    }

    public SourceFile source() {
        return source;
    }

    public void error(String key, Span span, Object... args) {
        items.add(Diagnostic.error(key, source, span, args));
    }

    /** How many have been reported so far (to tell whether checking a part found anything). */
    public int count() {
        return items.size();
    }

    public boolean hasErrors() {
        return items.stream().anyMatch(d -> d.severity() == Diagnostic.Severity.ERROR);
    }

    /** In source order; two findings at the same place and with the same key are one. */
    public List<Diagnostic> all() {
        List<Diagnostic> sorted = new ArrayList<>(items);
        sorted.sort(Comparator.comparingInt((Diagnostic d) -> d.span().start()).thenComparing(Diagnostic::key));
        List<Diagnostic> out = new ArrayList<>();
        for (Diagnostic d : sorted) {
            if (out.isEmpty() || !out.getLast().raw().equals(d.raw())) out.add(d);
        }
        return out;
    }
}
