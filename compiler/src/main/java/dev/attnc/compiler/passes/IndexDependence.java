package dev.attnc.compiler.passes;

import dev.attnc.compiler.ir.Attention;
import dev.attnc.compiler.ir.Expr;
import dev.attnc.compiler.ir.Expr.*;
import java.util.HashMap;
import java.util.Map;

/**
 * IR → facts: the {@link Dependence} of every node. b and h are per head, q per row, kv per column,
 * the score per element; sizes, parameters and constants are constant; an operation depends on
 * what its operands depend on (a tensor read, on its indices).
 */
public final class IndexDependence {
    private final Map<Expr, Dependence> facts = new HashMap<>();
    /** b and h vary per row (a kernel whose rows are of several heads): a value reading them and kv is per element. */
    private final boolean headsPerRow;

    private IndexDependence() {
        this(false);
    }

    private IndexDependence(boolean headsPerRow) {
        this.headsPerRow = headsPerRow;
    }

    public static Map<Expr, Dependence> analyze(Attention a) {
        return analyze(a.roots());
    }

    /** The dependence of every node under several roots (a backward kernel's: {@code grad.Gradient#roots()}). */
    public static Map<Expr, Dependence> analyze(java.util.List<Expr> roots) {
        IndexDependence d = new IndexDependence();
        roots.forEach(d::of);
        return d.facts;
    }

    /**
     * The dependence of every node for a kernel whose rows belong to several heads (a decode kernel
     * that packs the query heads of a group into one tile): b and h are per row there.
     */
    public static Map<Expr, Dependence> analyzeHeadsPerRow(java.util.List<Expr> roots) {
        IndexDependence d = new IndexDependence(true);
        roots.forEach(d::of);
        return d.facts;
    }

    public static Dependence of(Expr e, Map<Expr, Dependence> facts) {
        Dependence d = facts.get(e);
        return d != null ? d : new IndexDependence().of(e);
    }

    private Dependence of(Expr e) {
        Dependence known = facts.get(e);
        if (known != null) return known;
        Dependence d = switch (e) {
            case Index i -> switch (i.axis()) {
                case B, H -> headsPerRow ? Dependence.ROW : Dependence.HEAD;
                case Q -> Dependence.ROW;
                case KV -> Dependence.COLUMN;
            };
            case Score s -> Dependence.ELEMENT;
            default -> {
                Dependence acc = Dependence.CONSTANT;
                for (Expr c : e.children()) acc = acc.join(of(c));
                yield acc;
            }
        };
        facts.put(e, d);
        return d;
    }
}
