package dev.attnc.compiler.front;

import dev.attnc.compiler.front.Ast.*;
import dev.attnc.compiler.ir.Poly;
import java.util.Map;

/**
 * A tensor dimension in normal form ({@link Poly}), so that {@code 2 * KV_LEN - 1} and
 * {@code KV_LEN * 2 - 1} are the same shape.
 */
final class ShapePoly {
    private ShapePoly() {}

    /**
     * What is wrong with a dimension's value, or null when nothing is: ints are 32 bits, so every
     * coefficient must fit in one (then the exact value is the one 32-bit arithmetic computes), and
     * a dimension that is a constant must be positive.
     */
    static String outOfRange(Poly p) {
        for (long v : p.terms().values()) {
            if (v != (int) v) return p + ", past the 32-bit int range";
        }
        if (p.isConstant() && p.constantTerm() <= 0) return String.valueOf(p.constantTerm());
        return null;
    }

    /**
     * The polynomial of a dimension, or null when it uses anything but sizes, integer consts and
     * + - *. Throws ArithmeticException when a coefficient passes 64 bits.
     */
    static Poly of(Expr e, Map<String, Object> consts) {
        return switch (e) {
            case IntLit i -> Poly.constant(i.value());
            case Call c when !c.parens() && Builtins.size(c.name()) != null -> Poly.size(Builtins.size(c.name()));
            case Call c when !c.parens() && consts.get(c.name()) instanceof Integer v -> Poly.constant(v);
            case Unary u when u.op() == UnaryOp.NEG -> {
                Poly p = of(u.operand(), consts);
                yield p == null ? null : p.scale(-1);
            }
            case Binary b when b.op() == BinaryOp.ADD || b.op() == BinaryOp.SUB || b.op() == BinaryOp.MUL -> {
                Poly l = of(b.left(), consts);
                Poly r = of(b.right(), consts);
                if (l == null || r == null) yield null;
                yield switch (b.op()) {
                    case ADD -> l.plus(r);
                    case SUB -> l.minus(r);
                    default -> l.times(r);
                };
            }
            default -> null;
        };
    }
}
