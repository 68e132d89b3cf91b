package dev.attnc.compiler.passes;

import dev.attnc.compiler.ir.Attention;
import dev.attnc.compiler.ir.Expr;
import java.util.HashMap;
import java.util.Map;

/**
 * Common subexpressions: makes equal subtrees one object (interning), across the score, the
 * mask and the normalisation. Inlining copies a function body at each call, so {@code q - kv} written in two masks is two
 * trees until here; code generators name each shared node once and compute it once.
 */
public final class Cse {
    private Cse() {}

    public static Attention run(Attention a) {
        Map<Expr, Expr> canonical = new HashMap<>();
        return a.map(e -> intern(e, canonical));
    }

    /** {@code root} with each subtree replaced by its canonical equal in {@code canonical} (added when new). */
    public static Expr intern(Expr root, Map<Expr, Expr> canonical) {
        return Rewrite.bottomUp(root, e -> canonical.computeIfAbsent(e, k -> k));
    }
}
