package dev.attnc.compiler.passes;

import dev.attnc.compiler.diag.Diagnostics;
import dev.attnc.compiler.front.Ast;
import dev.attnc.compiler.front.NormalizeForm;
import dev.attnc.compiler.ir.Attention;
import dev.attnc.compiler.ir.Expr;
import java.util.Map;

/**
 * IR → diagnostics: the normalisation's expression must be fixed per row. The checker catches
 * {@code kv} written in it; this catches {@code kv} reached through a call (a mask function in a
 * {@code ?:}), which only the inlined IR shows. Runs on freshly lowered IR.
 */
public final class PerRowCheck {
    private PerRowCheck() {}

    public static void run(Attention a, Ast.AttentionDef def, Diagnostics diagnostics) {
        Map<Expr, Dependence> deps = IndexDependence.analyze(a.normalization().exprs());
        for (Expr e : a.normalization().exprs()) {
            if (deps.get(e) == Dependence.COLUMN || deps.get(e) == Dependence.ELEMENT) {
                diagnostics.error("norm.reads-kv", NormalizeForm.read(def.normalize().value(), null).argument().span());
            }
        }
    }
}
