package dev.attnc.compiler.ir;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * The depth of an expression DAG (a leaf is 1), without recursion and without hashing nodes (a
 * record's hashCode recurses through the whole subtree): lowering can build an IR far deeper than
 * the text it came from (a chain of lets, each using the one before), and this is how the front
 * end measures it as lowering builds it, before any recursive pass runs.
 */
public final class ExprDepth {
    private ExprDepth() {}

    public static int of(Expr root) {
        return of(root, new IdentityHashMap<>());
    }

    /** As {@link #of(Expr)}, reusing and filling {@code depth} (identity-keyed) across calls. */
    public static int of(Expr root, Map<Expr, Integer> depth) {
        Deque<Expr> todo = new ArrayDeque<>();
        todo.push(root);
        while (!todo.isEmpty()) {
            Expr e = todo.peek();
            if (depth.containsKey(e)) {
                todo.pop();
                continue;
            }
            int deepest = 0;
            boolean ready = true;
            for (Expr c : e.children()) {
                Integer d = depth.get(c);
                if (d == null) {
                    todo.push(c);
                    ready = false;
                } else {
                    deepest = Math.max(deepest, d);
                }
            }
            if (ready) {
                depth.put(e, deepest + 1);
                todo.pop();
            }
        }
        return depth.get(root);
    }
}
