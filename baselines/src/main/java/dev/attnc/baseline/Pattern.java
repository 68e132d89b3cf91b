package dev.attnc.baseline;

import dev.attnc.compiler.ir.Attention;
import dev.attnc.compiler.ir.Axis;
import dev.attnc.compiler.ir.BinaryOp;
import dev.attnc.compiler.ir.Expr;
import java.util.Optional;

/**
 * The two attentions the handwritten kernels compute, recognized by structure rather than by name
 * (a file may call anything "causal"): the score unchanged, and the mask {@code true} (full) or
 * {@code q >= kv} (causal, also written {@code kv <= q}).
 */
public enum Pattern {
    FULL, CAUSAL;

    public String word() {
        return name().toLowerCase();
    }

    public static Optional<Pattern> of(Attention a) {
        if (!(a.score() instanceof Expr.Score) || !a.softmax()) return Optional.empty();
        return switch (a.mask()) {
            case Expr.BoolConst c when c.value() -> Optional.of(FULL);
            case Expr.Binary x when x.op() == BinaryOp.GE && is(x.left(), Axis.Q) && is(x.right(), Axis.KV) -> Optional.of(CAUSAL);
            case Expr.Binary x when x.op() == BinaryOp.LE && is(x.left(), Axis.KV) && is(x.right(), Axis.Q) -> Optional.of(CAUSAL);
            default -> Optional.empty();
        };
    }

    private static boolean is(Expr e, Axis axis) {
        return e instanceof Expr.Index i && i.axis() == axis;
    }
}
