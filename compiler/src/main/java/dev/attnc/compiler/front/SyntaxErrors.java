package dev.attnc.compiler.front;

import dev.attnc.compiler.diag.Diagnostics;
import dev.attnc.compiler.diag.Span;
import dev.attnc.grammar.AttnParser;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.antlr.v4.runtime.DefaultErrorStrategy;
import org.antlr.v4.runtime.FailedPredicateException;
import org.antlr.v4.runtime.InputMismatchException;
import org.antlr.v4.runtime.NoViableAltException;
import org.antlr.v4.runtime.Parser;
import org.antlr.v4.runtime.Token;
import org.antlr.v4.runtime.Vocabulary;
import org.antlr.v4.runtime.misc.IntervalSet;

/**
 * ANTLR's error recovery, with its reports turned into attnc diagnostics in words a user reads
 * ("unexpected ')'; expected an expression") instead of ANTLR's token-set dumps. One syntax error a
 * line: what follows the first on a line is usually its echo.
 */
final class SyntaxErrors extends DefaultErrorStrategy {
    private final Diagnostics diagnostics;
    private final Set<Integer> linesReported = new HashSet<>();

    SyntaxErrors(Diagnostics diagnostics) {
        this.diagnostics = diagnostics;
    }

    static Span spanOf(Token t) {
        int start = Math.max(0, t.getStartIndex());
        int end = t.getType() == Token.EOF ? start : Math.max(start, t.getStopIndex() + 1);
        return new Span(t.getLine(), t.getCharPositionInLine() + 1, start, end);
    }

    void badCharacter(Token t) {
        report("syntax.bad-character", t, t.getText());
    }

    private void report(String key, Token at, Object... args) {
        if (linesReported.add(at.getLine())) diagnostics.error(key, spanOf(at), args);
    }

    @Override
    protected void reportNoViableAlternative(Parser recognizer, NoViableAltException e) {
        unexpected(recognizer, e.getOffendingToken(), e.getExpectedTokens());
    }

    @Override
    protected void reportInputMismatch(Parser recognizer, InputMismatchException e) {
        unexpected(recognizer, e.getOffendingToken(), e.getExpectedTokens());
    }

    /** syntax.unexpected; where a definition should start, a {@code normalize} clause gets told where it belongs. */
    private void unexpected(Parser recognizer, Token t, IntervalSet expected) {
        if (t.getType() == AttnParser.IDENT && t.getText().equals(AstBuilder.NORMALIZE) && expectsDefinition(expected)) {
            report("def.clause-outside-attention", t, t.getText());
        } else {
            report("syntax.unexpected", t, describe(t), expected(recognizer, expected));
        }
    }

    private static boolean expectsDefinition(IntervalSet set) {
        return set != null && set.contains(AttnParser.CONST) && set.contains(AttnParser.ATTENTION);
    }

    @Override
    protected void reportFailedPredicate(Parser recognizer, FailedPredicateException e) {
        report("syntax.unexpected", e.getOffendingToken(), describe(e.getOffendingToken()), "something else");
    }

    @Override
    protected void reportUnwantedToken(Parser recognizer) {
        if (inErrorRecoveryMode(recognizer)) return;
        beginErrorCondition(recognizer);
        Token t = recognizer.getCurrentToken();
        report("syntax.unexpected", t, describe(t), expected(recognizer, getExpectedTokens(recognizer)));
    }

    @Override
    protected void reportMissingToken(Parser recognizer) {
        if (inErrorRecoveryMode(recognizer)) return;
        beginErrorCondition(recognizer);
        Token t = recognizer.getCurrentToken();
        report("syntax.missing", t, expected(recognizer, getExpectedTokens(recognizer)), describe(t));
    }

    /** A token as a user would name it. */
    static String describe(Token t) {
        return switch (t.getType()) {
            case Token.EOF -> "end of file";
            case AttnParser.NEWLINE -> "end of line";
            case AttnParser.IDENT -> "name '" + t.getText() + "'";
            case AttnParser.INT_LIT, AttnParser.FLOAT_LIT -> "number " + t.getText();
            default -> "'" + t.getText() + "'";
        };
    }

    private static String expected(Parser recognizer, IntervalSet set) {
        if (set == null || set.isNil()) return "something else";
        Vocabulary v = recognizer.getVocabulary();
        if (set.contains(AttnParser.INT_LIT) && set.contains(AttnParser.IDENT) && set.contains(AttnParser.SCORE)) {
            return "an expression";
        }
        if (expectsDefinition(set)) {
            return "a definition (const, mask, score or attention)";
        }
        List<String> names = new ArrayList<>();
        for (int type : set.toList()) {
            names.add(switch (type) {
                case Token.EOF -> "end of file";
                case AttnParser.NEWLINE -> "end of line";
                case AttnParser.IDENT -> "a name";
                case AttnParser.INT_LIT -> "an integer";
                case AttnParser.FLOAT_LIT -> "a number";
                default -> v.getLiteralName(type) != null ? v.getLiteralName(type) : v.getSymbolicName(type);
            });
        }
        names = names.stream().distinct().toList();
        if (names.size() > 6) return "one of " + String.join(" ", names.subList(0, 6)) + " ...";
        if (names.size() == 1) return names.getFirst();
        return String.join(", ", names.subList(0, names.size() - 1)) + " or " + names.getLast();
    }
}
