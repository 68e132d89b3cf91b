package dev.attnc.compiler.front;

import dev.attnc.grammar.AttnLexer;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Set;
import java.util.function.Consumer;
import org.antlr.v4.runtime.CharStream;
import org.antlr.v4.runtime.Token;
import org.antlr.v4.runtime.TokenFactory;
import org.antlr.v4.runtime.TokenSource;

/**
 * Sits between the lexer and the parser and drops the NEWLINE tokens that do not end a statement:
 * those inside ( ) or [ ], those after a token that cannot end an expression (an operator, a comma,
 * '='), and those before a line that starts with a binary operator (a {@code |>} chain written one
 * step a line). The grammar can then treat NEWLINE as a plain separator.
 */
final class NewlineFilter implements TokenSource {
    private static final Set<String> CONTINUES_AFTER = Set.of(
            "+", "-", "*", "/", "%", "<", "<=", ">", ">=", "==", "!=", "&&", "||", "!", "|>", "?", ":", "=", ",", "(", "[");
    private static final Set<String> CONTINUES_BEFORE = Set.of(
            "+", "*", "/", "%", "<", "<=", ">", ">=", "==", "!=", "&&", "||", "|>", "?", ":", ")", "]");

    private final AttnLexer lexer;
    private final Consumer<Token> badCharacter;
    private final Deque<Token> lookahead = new ArrayDeque<>();
    private int depth;
    private Token previous;

    /** badCharacter hears of each character the lexer could not use; such tokens go no further. */
    NewlineFilter(AttnLexer lexer, Consumer<Token> badCharacter) {
        this.lexer = lexer;
        this.badCharacter = badCharacter;
    }

    @Override
    public Token nextToken() {
        while (true) {
            Token t = pull();
            if (t.getType() == AttnLexer.NEWLINE) {
                if (depth > 0 || previous == null || CONTINUES_AFTER.contains(previous.getText())) continue;
                Token next = peekPastNewlines();
                if (CONTINUES_BEFORE.contains(next.getText())) continue;
            } else {
                track(t);
            }
            previous = t;
            return t;
        }
    }

    private void track(Token t) {
        switch (t.getText()) {
            case "(", "[" -> depth++;
            case ")", "]" -> depth = Math.max(0, depth - 1);
            default -> { }
        }
    }

    private Token pull() {
        return lookahead.isEmpty() ? lex() : lookahead.removeFirst();
    }

    private Token lex() {
        while (true) {
            Token t = lexer.nextToken();
            if (t.getType() != AttnLexer.BAD_CHAR) return t;
            badCharacter.accept(t);
        }
    }

    private Token peekPastNewlines() {
        for (Token t : lookahead) {
            if (t.getType() != AttnLexer.NEWLINE) return t;
        }
        while (true) {
            Token t = lex();
            lookahead.addLast(t);
            if (t.getType() != AttnLexer.NEWLINE) return t;
        }
    }

    @Override public int getLine() { return lexer.getLine(); }
    @Override public int getCharPositionInLine() { return lexer.getCharPositionInLine(); }
    @Override public CharStream getInputStream() { return lexer.getInputStream(); }
    @Override public String getSourceName() { return lexer.getSourceName(); }
    @Override public void setTokenFactory(TokenFactory<?> factory) { lexer.setTokenFactory(factory); }
    @Override public TokenFactory<?> getTokenFactory() { return lexer.getTokenFactory(); }
}
