package dev.attnc.cli.bench;

import dev.attnc.AttnInputException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The little JSON the bench needs, without a library: {@link #write} of maps, lists, strings,
 * numbers (NaN and infinities as null), booleans and null; {@link #parse} back to the same
 * (objects as LinkedHashMap, numbers as Double).
 */
public final class Json {
    private Json() {}

    public static String write(Object v) {
        StringBuilder s = new StringBuilder();
        write(s, v, 0);
        return s.append('\n').toString();
    }

    /** Objects and lists of objects one element a line, the rest inline: diffable, and short. */
    private static void write(StringBuilder s, Object v, int depth) {
        switch (v) {
            case null -> s.append("null");
            case String str -> quote(s, str);
            case Boolean b -> s.append(b);
            case Integer i -> s.append(i);
            case Long l -> s.append(l);
            case Number n -> number(s, n.doubleValue());
            case int[] a -> {
                s.append('[');
                for (int i = 0; i < a.length; i++) s.append(i > 0 ? "," : "").append(a[i]);
                s.append(']');
            }
            case Map<?, ?> m -> {
                s.append('{');
                boolean first = true;
                for (Map.Entry<?, ?> e : m.entrySet()) {
                    s.append(first ? "" : ",");
                    if (depth < 2) s.append('\n').repeat("  ", depth + 1);
                    quote(s, String.valueOf(e.getKey()));
                    s.append(':');
                    write(s, e.getValue(), depth + 1);
                    first = false;
                }
                if (depth < 2 && !m.isEmpty()) s.append('\n').repeat("  ", depth);
                s.append('}');
            }
            case List<?> l -> {
                s.append('[');
                for (int i = 0; i < l.size(); i++) {
                    s.append(i > 0 ? "," : "");
                    if (depth < 2 && l.get(i) instanceof Map) s.append('\n').repeat("  ", depth + 1);
                    write(s, l.get(i), depth + 1);
                }
                if (depth < 2 && !l.isEmpty() && l.getFirst() instanceof Map) s.append('\n').repeat("  ", depth);
                s.append(']');
            }
            default -> throw new IllegalArgumentException("not JSON: " + v.getClass());
        }
    }

    private static void number(StringBuilder s, double d) {
        if (!Double.isFinite(d)) s.append("null");
        else if (d == Math.rint(d) && Math.abs(d) < 1e15) s.append((long) d);
        else s.append(String.format(Locale.ROOT, "%.6g", d).replaceFirst("(\\.\\d*?)0+(e|$)", "$1$2").replace(".e", "e"));
    }

    private static void quote(StringBuilder s, String str) {
        s.append('"');
        for (char c : str.toCharArray()) {
            switch (c) {
                case '"' -> s.append("\\\"");
                case '\\' -> s.append("\\\\");
                case '\n' -> s.append("\\n");
                case '\r' -> s.append("\\r");
                case '\t' -> s.append("\\t");
                default -> {
                    if (c < 0x20) s.append(String.format("\\u%04x", (int) c));
                    else s.append(c);
                }
            }
        }
        s.append('"');
    }

    public static Object parse(String text) {
        Parser p = new Parser(text);
        Object v = p.value();
        p.space();
        if (p.i != text.length()) throw p.error("text after the value");
        return v;
    }

    private static final class Parser {
        final String t;
        int i;

        Parser(String t) {
            this.t = t;
        }

        Object value() {
            space();
            if (i >= t.length()) throw error("unexpected end");
            char c = t.charAt(i);
            return switch (c) {
                case '{' -> object();
                case '[' -> array();
                case '"' -> string();
                case 't' -> word("true", Boolean.TRUE);
                case 'f' -> word("false", Boolean.FALSE);
                case 'n' -> word("null", null);
                case 'N' -> word("NaN", Double.NaN); // Python's json.dump writes these
                case 'I' -> word("Infinity", Double.POSITIVE_INFINITY);
                default -> number();
            };
        }

        Map<String, Object> object() {
            Map<String, Object> m = new LinkedHashMap<>();
            i++;
            space();
            if (peek('}')) return m;
            do {
                space();
                String k = string();
                space();
                expect(':');
                m.put(k, value());
                space();
            } while (next(','));
            expect('}');
            return m;
        }

        List<Object> array() {
            List<Object> l = new ArrayList<>();
            i++;
            space();
            if (peek(']')) return l;
            do {
                l.add(value());
                space();
            } while (next(','));
            expect(']');
            return l;
        }

        String string() {
            expect('"');
            StringBuilder s = new StringBuilder();
            while (i < t.length() && t.charAt(i) != '"') {
                char c = t.charAt(i++);
                if (c != '\\') {
                    s.append(c);
                    continue;
                }
                char e = t.charAt(i++);
                switch (e) {
                    case 'n' -> s.append('\n');
                    case 't' -> s.append('\t');
                    case 'r' -> s.append('\r');
                    case 'b' -> s.append('\b');
                    case 'f' -> s.append('\f');
                    case 'u' -> {
                        s.append((char) Integer.parseInt(t.substring(i, i + 4), 16));
                        i += 4;
                    }
                    default -> s.append(e);
                }
            }
            expect('"');
            return s.toString();
        }

        Object number() {
            int start = i;
            if (peekChar('-')) i++;
            if (word0("Infinity")) return Double.NEGATIVE_INFINITY;
            while (i < t.length() && "0123456789.eE+-".indexOf(t.charAt(i)) >= 0) i++;
            try {
                return Double.parseDouble(t.substring(start, i));
            } catch (NumberFormatException e) {
                throw error("not a value");
            }
        }

        Object word(String w, Object v) {
            if (!t.startsWith(w, i)) throw error("not a value");
            i += w.length();
            return v;
        }

        boolean word0(String w) {
            if (!t.startsWith(w, i)) return false;
            i += w.length();
            return true;
        }

        void space() {
            while (i < t.length() && Character.isWhitespace(t.charAt(i))) i++;
        }

        boolean peekChar(char c) {
            return i < t.length() && t.charAt(i) == c;
        }

        boolean peek(char c) {
            if (!peekChar(c)) return false;
            i++;
            return true;
        }

        boolean next(char c) {
            return peek(c);
        }

        void expect(char c) {
            if (!peek(c)) throw error("expected '" + c + "'");
        }

        AttnInputException error(String what) {
            int line = 1;
            for (int k = 0; k < Math.min(i, t.length()); k++) if (t.charAt(k) == '\n') line++;
            return new AttnInputException("bad JSON at line " + line + ": " + what);
        }
    }
}
