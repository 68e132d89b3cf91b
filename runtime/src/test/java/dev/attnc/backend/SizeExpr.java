package dev.attnc.backend;

import dev.attnc.kernel.Sizes;

/**
 * A recipe's size expression ("max(1, KV_LEN / 8)"): integers, the sizes B, H, Q_LEN, KV_LEN, D
 * and S (= KV_LEN), + - * /, parentheses and max(a, b); / is floor division, as Python's //.
 */
final class SizeExpr {
    private final String text;
    private final Sizes sizes;
    private int pos;

    private SizeExpr(String text, Sizes sizes) {
        this.text = text;
        this.sizes = sizes;
    }

    static int eval(String text, Sizes sizes) {
        SizeExpr e = new SizeExpr(text, sizes);
        int v = e.additive();
        e.skipSpace();
        if (e.pos != text.length()) throw e.error("trailing input");
        return v;
    }

    private int additive() {
        int v = term();
        for (char op = peek(); op == '+' || op == '-'; op = peek()) {
            pos++;
            int r = term();
            v = op == '+' ? v + r : v - r;
        }
        return v;
    }

    private int term() {
        int v = atom();
        for (char op = peek(); op == '*' || op == '/'; op = peek()) {
            pos++;
            int r = atom();
            v = op == '*' ? v * r : Math.floorDiv(v, r);
        }
        return v;
    }

    private int atom() {
        char c = peek();
        if (c == '(') { pos++; int v = additive(); expect(')'); return v; }
        if (c == '-') { pos++; return -atom(); }
        int start = pos;
        while (pos < text.length() && (Character.isLetterOrDigit(text.charAt(pos)) || text.charAt(pos) == '_')) pos++;
        String word = text.substring(start, pos);
        if (word.isEmpty()) throw error("unexpected character");
        if (Character.isDigit(word.charAt(0))) return Integer.parseInt(word);
        return switch (word) {
            case "max" -> { expect('('); int a = additive(); expect(','); int b = additive(); expect(')'); yield Math.max(a, b); }
            case "B" -> sizes.B();
            case "H" -> sizes.H();
            case "Q_LEN" -> sizes.Q_LEN();
            case "KV_LEN", "S" -> sizes.KV_LEN();
            case "D" -> sizes.D();
            default -> throw error("unknown size " + word);
        };
    }

    private char peek() {
        skipSpace();
        return pos < text.length() ? text.charAt(pos) : '\0';
    }

    private void expect(char c) {
        if (peek() != c) throw error("expected " + c);
        pos++;
    }

    private void skipSpace() {
        while (pos < text.length() && text.charAt(pos) == ' ') pos++;
    }

    private IllegalArgumentException error(String what) {
        return new IllegalArgumentException("recipe \"" + text + "\" at " + pos + ": " + what);
    }
}
