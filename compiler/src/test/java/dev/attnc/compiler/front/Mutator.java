package dev.attnc.compiler.front;

import dev.attnc.grammar.AttnLexer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.antlr.v4.runtime.CharStreams;
import org.antlr.v4.runtime.Token;

/**
 * Mutations of a program's text, token-aware where that helps: delete, duplicate or swap tokens,
 * replace a name with another name of the text (or a misspelled one), wrap part of it in deep
 * nesting, grow a long operator chain, put in huge or edge-case literals, or scribble random
 * bytes (which need not be UTF-8). Gives bytes, as a file on disk would be.
 */
final class Mutator {
    private static final String[] LITERALS = {"2147483648", "-2147483648", "2147483647", "99999999999999999999", "3.4028235e38",
            "3.4028236e38", "1e39", "1e-50", "0", "0.0", ".5e-3", "1.", "4294967296"};

    private Mutator() {}

    static byte[] mutate(String text, Random random) {
        List<String> tokens = tokens(text);
        int rounds = 1 + random.nextInt(3);
        for (int r = 0; r < rounds && !tokens.isEmpty(); r++) {
            int i = random.nextInt(tokens.size());
            switch (random.nextInt(9)) {
                case 0 -> tokens.remove(i);
                case 1 -> tokens.add(i, tokens.get(i));
                case 2 -> {
                    int j = random.nextInt(tokens.size());
                    String t = tokens.get(i);
                    tokens.set(i, tokens.get(j));
                    tokens.set(j, t);
                }
                case 3 -> tokens.set(i, name(tokens, random));
                case 4 -> nest(tokens, i, random);
                case 5 -> chain(tokens, i, random);
                case 6 -> tokens.set(i, LITERALS[random.nextInt(LITERALS.length)]);
                case 7 -> tokens.add(i, String.valueOf(tokens.get(random.nextInt(tokens.size()))));
                default -> {
                    return scribble(String.join("", tokens).getBytes(StandardCharsets.UTF_8), random);
                }
            }
        }
        return String.join("", tokens).getBytes(StandardCharsets.UTF_8);
    }

    /** The text cut into tokens, keeping the whitespace and comments between them as tokens too. */
    private static List<String> tokens(String text) {
        List<String> out = new ArrayList<>();
        AttnLexer lexer = new AttnLexer(CharStreams.fromString(text));
        lexer.removeErrorListeners();
        int at = 0;
        for (Token t = lexer.nextToken(); t.getType() != Token.EOF; t = lexer.nextToken()) {
            if (t.getStartIndex() > at) out.add(text.substring(at, t.getStartIndex()));
            out.add(t.getText());
            at = t.getStopIndex() + 1;
        }
        if (at < text.length()) out.add(text.substring(at));
        return out;
    }

    private static String name(List<String> tokens, Random random) {
        List<String> names = tokens.stream().filter(t -> t.matches("[A-Za-z_][A-Za-z0-9_]*")).toList();
        String n = names.isEmpty() ? "q" : names.get(random.nextInt(names.size()));
        return random.nextInt(3) == 0 && n.length() > 1 ? n.substring(1) + n.charAt(0) : n;
    }

    /** Wraps token i in up to 3,000 brackets or prefix operators. */
    private static void nest(List<String> tokens, int i, Random random) {
        int depth = 1 + random.nextInt(random.nextBoolean() ? 50 : 3000);
        String[] open = {"(", "-", "!", "abs(", "q > 0 ? "};
        String[] close = {")", "", "", ")", " : 1"};
        int kind = random.nextInt(open.length);
        tokens.set(i, open[kind].repeat(depth) + tokens.get(i) + close[kind].repeat(depth));
    }

    /** Appends up to 20,000 operator terms after token i. */
    private static void chain(List<String> tokens, int i, Random random) {
        int length = 1 + random.nextInt(random.nextBoolean() ? 100 : 20_000);
        String[] links = {" + 1", " * 2.0", " && true", " - kv", " |> s", " == q", " % 3"};
        tokens.set(i, tokens.get(i) + links[random.nextInt(links.length)].repeat(length));
    }

    private static byte[] scribble(byte[] bytes, Random random) {
        byte[] out = bytes.clone();
        if (out.length == 0) return new byte[] {(byte) random.nextInt(256)};
        int n = 1 + random.nextInt(4);
        for (int k = 0; k < n; k++) out[random.nextInt(out.length)] = (byte) random.nextInt(256);
        return out;
    }
}
