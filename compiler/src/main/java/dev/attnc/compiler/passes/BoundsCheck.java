package dev.attnc.compiler.passes;

import dev.attnc.compiler.diag.Diagnostics;
import dev.attnc.compiler.diag.Span;
import dev.attnc.compiler.ir.Attention;
import dev.attnc.compiler.ir.Expr;
import dev.attnc.compiler.ir.Poly;
import java.util.Map;

/**
 * IR → diagnostics: a tensor index whose range lies wholly outside its dimension (for every size)
 * is a mistake in the program, reported where the read is written. Runs on freshly lowered IR, whose
 * loads still map to their source spans.
 */
public final class BoundsCheck {
    private BoundsCheck() {}

    public static void run(Attention a, Map<Expr.Load, Span> loadSpans, Diagnostics diagnostics) {
        Map<Expr, Interval> ranges = RangeAnalysis.analyze(a);
        for (Map.Entry<Expr.Load, Span> e : loadSpans.entrySet()) {
            Expr.Load load = e.getKey();
            for (int i = 0; i < load.indices().size(); i++) {
                Poly dim = RangeAnalysis.dimension(load.tensor().dims().get(i));
                Expr index = load.indices().get(i);
                Interval r = ranges.containsKey(index) ? ranges.get(index) : RangeAnalysis.analyze(index).get(index);
                if (r != null && r.outside(dim)) {
                    diagnostics.error("index.out-of-bounds", e.getValue(), i + 1, load.tensor().name(), dim, r);
                }
            }
        }
    }
}
