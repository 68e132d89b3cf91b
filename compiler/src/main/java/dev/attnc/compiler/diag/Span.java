package dev.attnc.compiler.diag;

/**
 * Where a construct sits in its source: 1-based line and column of its first character, and the
 * character offsets [start, end) so that a caret can underline all of it on its first line.
 */
public record Span(int line, int column, int start, int end) {
    public static final Span NONE = new Span(0, 0, 0, 0);

    public Span {
        if (end < start) throw new IllegalArgumentException("span ends before it starts");
    }

    /** The smallest span covering both; the line and column are those of the earlier one. */
    public Span to(Span other) {
        if (this == NONE) return other;
        if (other == NONE) return this;
        Span first = start <= other.start ? this : other;
        return new Span(first.line, first.column, Math.min(start, other.start), Math.max(end, other.end));
    }

    public int length() {
        return end - start;
    }
}
