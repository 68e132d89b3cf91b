package dev.attnc.compiler.plan;

import dev.attnc.compiler.ir.Attention;
import dev.attnc.compiler.ir.Expr;
import dev.attnc.compiler.passes.Dependence;
import dev.attnc.compiler.passes.IndexDependence;
import java.util.Map;

/**
 * Whether a variant's work per (query, key) pair is heavy: a transcendental function of a value that
 * varies per pair (soft-cap's tanh) or a tensor read whose index does (a relative-position table's
 * gather). The CUDA backward's deterministic form of dQ computes every pair's score, mask and
 * derivatives twice, once in the dK/dV kernel and again in the dQ kernel; where that work is heavy the
 * second pass costs more than the atomic form's adds (TargetPolicy.cudaBackwardForm). Values fixed per
 * head, row or column (ALiBi's slopes[h], a document id doc[q]) are computed outside the pair loop and
 * do not count.
 */
public final class PairWork {
    private PairWork() {}

    public static boolean heavy(Attention a) {
        Map<Expr, Dependence> dependence = IndexDependence.analyze(a);
        return a.roots().stream().anyMatch(r -> heavy(r, dependence));
    }

    private static boolean heavy(Expr e, Map<Expr, Dependence> dependence) {
        boolean perPair = dependence.get(e) == Dependence.ELEMENT;
        boolean costly = switch (e) {
            case Expr.Unary u -> switch (u.op()) {
                case EXP, EXP2, LOG, LOG2, SQRT, RSQRT, TANH, SIGMOID -> true;
                default -> false;
            };
            case Expr.Load l -> true;
            default -> false;
        };
        return perPair && costly || e.children().stream().anyMatch(c -> heavy(c, dependence));
    }
}
