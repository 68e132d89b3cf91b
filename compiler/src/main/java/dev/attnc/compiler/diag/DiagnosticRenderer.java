package dev.attnc.compiler.diag;

/**
 * Renders a diagnostic for people, rustc-style:
 * <pre>
 * causal.attn:3:17: error: unknown name 'kvv'; did you mean 'kv'?
 *     3 | mask causal = q >= kvv
 *       |                    ^^^
 * </pre>
 */
public final class DiagnosticRenderer {
    private DiagnosticRenderer() {}

    public static String render(Diagnostic d) {
        StringBuilder out = new StringBuilder();
        String severity = d.severity() == Diagnostic.Severity.ERROR ? "error" : "warning";
        out.append(d.source().name());
        if (d.span().line() > 0) out.append(':').append(d.span().line()).append(':').append(d.span().column());
        out.append(": ").append(severity).append(": ").append(d.message()).append('\n');
        if (d.span().line() <= 0) return out.toString();
        String line = d.source().line(d.span().line());
        String number = String.valueOf(d.span().line());
        String gutter = " ".repeat(number.length());
        out.append(' ').append(number).append(" | ").append(line.replace('\t', ' ')).append('\n');
        int col = Math.max(1, d.span().column());
        int width = Math.max(1, Math.min(d.span().length(), line.length() - col + 1));
        out.append(' ').append(gutter).append(" | ").append(" ".repeat(col - 1)).append("^".repeat(width)).append('\n');
        return out.toString();
    }
}
