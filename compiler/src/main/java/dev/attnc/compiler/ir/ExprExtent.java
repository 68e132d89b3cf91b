package dev.attnc.compiler.ir;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * How deep an expression DAG is (a leaf is 1) and how many nodes it has written out as a tree
 * (shared subtrees counted once per use, saturating at Long.MAX_VALUE), without recursion and
 * without hashing nodes (a record's hashCode walks the whole tree below it). Lowering can build IR
 * far deeper or larger than its text (a chain of lets each using the one before; masks that each
 * use the one before twice), and later stages recurse over the depth and hash the tree, so the
 * front end measures both as lowering builds the IR.
 */
public record ExprExtent(int depth, long treeSize) {
    public static ExprExtent of(Expr root) {
        return of(root, new IdentityHashMap<>());
    }

    /** As {@link #of(Expr)}, reusing and filling {@code known} (identity-keyed) across calls. */
    public static ExprExtent of(Expr root, Map<Expr, ExprExtent> known) {
        Deque<Expr> todo = new ArrayDeque<>();
        todo.push(root);
        while (!todo.isEmpty()) {
            Expr e = todo.peek();
            if (known.containsKey(e)) {
                todo.pop();
                continue;
            }
            int depth = 0;
            long size = 1;
            boolean ready = true;
            for (Expr c : e.children()) {
                ExprExtent x = known.get(c);
                if (x == null) {
                    todo.push(c);
                    ready = false;
                } else {
                    depth = Math.max(depth, x.depth());
                    size = size + x.treeSize() < 0 ? Long.MAX_VALUE : size + x.treeSize();
                }
            }
            if (ready) {
                known.put(e, new ExprExtent(depth + 1, size));
                todo.pop();
            }
        }
        return known.get(root);
    }
}
