package dev.attnc.compiler.passes;

import dev.attnc.compiler.ir.Expr;
import dev.attnc.compiler.ir.Expr.*;
import java.util.List;

/** Small helpers over expressions that several passes need. */
public final class Exprs {
    private Exprs() {}

    /** This node with new operands, in the order of {@link Expr#children()}. */
    public static Expr withChildren(Expr e, List<Expr> c) {
        return switch (e) {
            case Unary u -> new Unary(u.op(), c.get(0));
            case Binary b -> new Binary(b.op(), c.get(0), c.get(1));
            case Select s -> new Select(c.get(0), c.get(1), c.get(2));
            case Load l -> new Load(l.tensor(), c, l.clamped());
            case IntConst x -> x;
            case FloatConst x -> x;
            case BoolConst x -> x;
            case Index x -> x;
            case Size x -> x;
            case Param x -> x;
            case Score x -> x;
        };
    }

    /** Leaves print inline; everything else gets a name of its own in dumps and generated code. */
    public static boolean isLeaf(Expr e) {
        return e.children().isEmpty();
    }
}
