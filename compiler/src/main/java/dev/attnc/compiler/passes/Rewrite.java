package dev.attnc.compiler.passes;

import dev.attnc.compiler.ir.Expr;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/** Bottom-up rewriting of an expression DAG: each distinct subtree is rewritten once. */
final class Rewrite {
    private Rewrite() {}

    static Expr bottomUp(Expr root, UnaryOperator<Expr> rule) {
        return bottomUp(root, rule, new HashMap<>());
    }

    private static Expr bottomUp(Expr e, UnaryOperator<Expr> rule, Map<Expr, Expr> done) {
        Expr cached = done.get(e);
        if (cached != null) return cached;
        List<Expr> children = new ArrayList<>();
        boolean changed = false;
        for (Expr c : e.children()) {
            Expr n = bottomUp(c, rule, done);
            children.add(n);
            changed |= n != c;
        }
        Expr rebuilt = changed ? Exprs.withChildren(e, children) : e;
        Expr out = rule.apply(rebuilt);
        done.put(e, out);
        return out;
    }
}
