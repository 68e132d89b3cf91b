package dev.attnc.backend;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The JSON of samples/recipes.json: objects (LinkedHashMap), arrays, strings without escapes, and
 * numbers (Integer without a fraction or exponent, else Double, as Python's json reads them). The
 * runtime has no JSON library, and cli's {@code Json} is out of reach of runtime's tests.
 */
final class RecipeJson {
    private final String text;
    private int pos;

    private RecipeJson(String text) {
        this.text = text;
    }

    static Object parse(String text) {
        RecipeJson p = new RecipeJson(text);
        Object v = p.value();
        p.skipSpace();
        if (p.pos != text.length()) throw p.error("trailing input");
        return v;
    }

    private Object value() {
        skipSpace();
        if (pos >= text.length()) throw error("unexpected end");
        char c = text.charAt(pos);
        return switch (c) {
            case '{' -> object();
            case '[' -> array();
            case '"' -> string();
            default -> number();
        };
    }

    private Map<String, Object> object() {
        Map<String, Object> out = new LinkedHashMap<>();
        pos++;
        skipSpace();
        if (peek() == '}') { pos++; return out; }
        do {
            skipSpace();
            String key = string();
            expect(':');
            out.put(key, value());
            skipSpace();
        } while (next() == ',');
        if (text.charAt(pos - 1) != '}') throw error("expected , or }");
        return out;
    }

    private List<Object> array() {
        List<Object> out = new ArrayList<>();
        pos++;
        skipSpace();
        if (peek() == ']') { pos++; return out; }
        do {
            out.add(value());
            skipSpace();
        } while (next() == ',');
        if (text.charAt(pos - 1) != ']') throw error("expected , or ]");
        return out;
    }

    private String string() {
        if (next() != '"') throw error("expected a string");
        int end = text.indexOf('"', pos);
        if (end < 0) throw error("unterminated string");
        String s = text.substring(pos, end);
        pos = end + 1;
        return s;
    }

    private Number number() {
        int start = pos;
        while (pos < text.length() && "+-0123456789.eE".indexOf(text.charAt(pos)) >= 0) pos++;
        String s = text.substring(start, pos);
        if (s.isEmpty()) throw error("unexpected character");
        return s.matches("-?\\d+") ? (Number) Integer.valueOf(s) : (Number) Double.valueOf(s);
    }

    private void expect(char c) {
        skipSpace();
        if (next() != c) throw error("expected " + c);
    }

    private char peek() {
        return pos < text.length() ? text.charAt(pos) : '\0';
    }

    private char next() {
        if (pos >= text.length()) throw error("unexpected end");
        return text.charAt(pos++);
    }

    private void skipSpace() {
        while (pos < text.length() && Character.isWhitespace(text.charAt(pos))) pos++;
    }

    private IllegalArgumentException error(String what) {
        return new IllegalArgumentException("recipes.json at " + pos + ": " + what);
    }
}
