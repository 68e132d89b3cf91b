package dev.attnc.compiler.front;

import dev.attnc.compiler.diag.Diagnostics;
import dev.attnc.grammar.AttnParser;
import java.util.ArrayDeque;
import java.util.Deque;
import org.antlr.v4.runtime.ParserRuleContext;
import org.antlr.v4.runtime.tree.ParseTree;

/**
 * Bounds the depth of every expression in the parse tree, before the recursive AST builder and
 * checker walk it. ANTLR parses a chain such as {@code a + b + c + ...} with a loop, so a
 * 100,000-term chain parses fine but is a tree 100,000 levels deep; deeper than
 * {@link Limits#DEPTH} is refused (limit.expression-depth). The walk itself uses an explicit stack.
 */
final class ExpressionDepth {
    private ExpressionDepth() {}

    private record Visit(ParseTree node, int depth) {}

    /** False when some expression is too deep (the first such is reported). */
    static boolean check(ParserRuleContext root, Diagnostics diagnostics) {
        Deque<Visit> todo = new ArrayDeque<>();
        todo.push(new Visit(root, 0));
        while (!todo.isEmpty()) {
            Visit v = todo.pop();
            int depth = v.depth() + (v.node() instanceof AttnParser.ExprContext ? 1 : 0);
            if (depth > Limits.DEPTH) {
                diagnostics.error("limit.expression-depth", AstBuilder.span(((ParserRuleContext) v.node()).getStart()), Limits.DEPTH);
                return false;
            }
            for (int i = v.node().getChildCount() - 1; i >= 0; i--) {
                if (v.node().getChild(i) instanceof ParserRuleContext child) todo.push(new Visit(child, depth));
            }
        }
        return true;
    }
}
