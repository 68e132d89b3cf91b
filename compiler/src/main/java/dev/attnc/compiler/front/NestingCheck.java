package dev.attnc.compiler.front;

import dev.attnc.compiler.diag.Diagnostics;
import dev.attnc.grammar.AttnLexer;
import java.util.ArrayDeque;
import java.util.Deque;
import org.antlr.v4.runtime.CharStreams;
import org.antlr.v4.runtime.Token;

/**
 * A pass over the tokens before the parser: ANTLR's recursive descent recurses once for each open
 * bracket, each pending {@code ?:} and each prefix {@code -}/{@code !}, so a text nested deeper
 * than {@link Limits#NESTING} is refused here (limit.nesting) before the parser's stack could
 * overflow. The count over-approximates the parser's depth: every {@code ?} counts until the
 * bracket, argument or statement it sits in ends. Binary chains ({@code a + b + c}) are parsed by
 * a loop, not by recursion; their depth is bounded after parsing ({@link ExpressionDepth}).
 */
final class NestingCheck {
    private NestingCheck() {}

    /** One open bracket (or the top level): the ?: and prefix operators pending inside it. */
    private static final class Level {
        int questions;
        int prefixRun;
    }

    /** False when the text nests too deep (reported to {@code diagnostics}). */
    static boolean check(Diagnostics diagnostics) {
        AttnLexer lexer = new AttnLexer(CharStreams.fromString(diagnostics.source().text(), diagnostics.source().name()));
        lexer.removeErrorListeners();
        Deque<Level> open = new ArrayDeque<>();
        open.push(new Level());
        int depth = 0;
        boolean afterOperand = false;
        for (Token t = lexer.nextToken(); t.getType() != Token.EOF; t = lexer.nextToken()) {
            Level top = open.peek();
            switch (t.getText()) {
                case "(", "[" -> {
                    open.push(new Level());
                    depth++;
                }
                case ")", "]" -> {
                    if (open.size() > 1) depth -= 1 + close(open.pop());
                }
                case "?" -> {
                    top.questions++;
                    depth++;
                }
                case "-", "!" -> {
                    if (!afterOperand) {
                        top.prefixRun++;
                        depth++;
                    }
                }
                // Newlines are no boundary: inside brackets and after operators the parser reads past them.
                case ",", ";", "{", "}", "=" -> depth -= close(top);
                default -> { }
            }
            afterOperand = isOperand(t);
            // An operand completes the prefix operators before it (after ')' those of the enclosing level).
            if (afterOperand && open.peek().prefixRun > 0) {
                depth -= open.peek().prefixRun;
                open.peek().prefixRun = 0;
            }
            if (depth > Limits.NESTING) {
                diagnostics.error("limit.nesting", SyntaxErrors.spanOf(t), Limits.NESTING);
                return false;
            }
        }
        return true;
    }

    /** Ends what a level holds; gives how much depth that was. */
    private static int close(Level l) {
        int held = l.questions + l.prefixRun;
        l.questions = 0;
        l.prefixRun = 0;
        return held;
    }

    /** A token after which '-' is binary: the end of an operand. */
    private static boolean isOperand(Token t) {
        return switch (t.getType()) {
            case AttnLexer.IDENT, AttnLexer.INT_LIT, AttnLexer.FLOAT_LIT, AttnLexer.TRUE, AttnLexer.FALSE, AttnLexer.SCORE,
                 AttnLexer.INT, AttnLexer.FLOAT -> true;
            default -> t.getText().equals(")") || t.getText().equals("]");
        };
    }
}
