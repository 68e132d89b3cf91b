package dev.attnc.compiler.front;

import dev.attnc.compiler.front.Ast.*;
import java.util.Map;

/**
 * Evaluates an AST expression that is a compile-time constant (literals, consts, arithmetic,
 * comparisons, ?:, built-in functions) to an Integer, Double or Boolean, or gives null when it is
 * not constant. Used for const definitions, parameter defaults, shape sizes and divisions by a
 * constant zero. Division by zero itself gives null: the caller reports it.
 */
final class ConstEval {
    private final Map<String, Object> consts;

    ConstEval(Map<String, Object> consts) {
        this.consts = consts;
    }

    Object eval(Expr e) {
        return switch (e) {
            case IntLit i -> (int) i.value();
            case FloatLit f -> f.value();
            case BoolLit b -> b.value();
            case Call c when !c.parens() -> consts.get(c.name());
            case Call c -> call(c);
            case Unary u -> unary(u.op(), eval(u.operand()));
            case Binary b -> binary(b.op(), eval(b.left()), eval(b.right()));
            case Ternary t -> eval(t.condition()) instanceof Boolean c ? (c ? eval(t.then()) : eval(t.otherwise())) : null;
            case Block b -> b.lets().isEmpty() ? eval(b.result()) : null;
            case ScoreRef s -> null;
            case Index i -> null;
            case Pipe p -> null;
        };
    }

    private Object call(Call c) {
        Builtins.Function f = Builtins.function(c.name());
        if (f == null || c.args().size() != f.arity || c.args().stream().anyMatch(Arg::named)) return null;
        Object[] v = c.args().stream().map(a -> eval(a.value())).toArray();
        for (Object o : v) if (!(o instanceof Number)) return null;
        boolean ints = f.keepsIntegers() && java.util.Arrays.stream(v).allMatch(o -> o instanceof Integer);
        double x = ((Number) v[0]).doubleValue();
        return switch (f) {
            case MIN -> ints ? (Object) Math.min((int) v[0], (int) v[1]) : Math.min(x, ((Number) v[1]).doubleValue());
            case MAX -> ints ? (Object) Math.max((int) v[0], (int) v[1]) : Math.max(x, ((Number) v[1]).doubleValue());
            case CLAMP -> ints ? (Object) Math.min(Math.max((int) v[0], (int) v[1]), (int) v[2])
                    : Math.min(Math.max(x, ((Number) v[1]).doubleValue()), ((Number) v[2]).doubleValue());
            case ABS -> ints ? (Object) Math.abs((int) v[0]) : Math.abs(x);
            case FLOOR -> saturate(Math.floor(x));
            case CEIL -> saturate(Math.ceil(x));
            case INT -> saturate(x);
            case FLOAT -> x;
            case EXP -> Math.exp(x);
            case EXP2 -> Math.pow(2, x);
            case LOG -> Math.log(x);
            case LOG2 -> Math.log(x) / Math.log(2);
            case SQRT -> Math.sqrt(x);
            case RSQRT -> 1 / Math.sqrt(x);
            case TANH -> Math.tanh(x);
            case SIGMOID -> 1 / (1 + Math.exp(-x));
        };
    }

    static int saturate(double x) {
        if (Double.isNaN(x)) return 0;
        return (int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, (long) x));
    }

    private static Object unary(UnaryOp op, Object v) {
        return switch (op) {
            case NEG -> v instanceof Integer i ? (Object) (-i) : v instanceof Double d ? (Object) (-d) : null;
            case NOT -> v instanceof Boolean b ? !b : null;
        };
    }

    private static Object binary(BinaryOp op, Object l, Object r) {
        if (l == null || r == null) return null;
        if (op.isLogic()) return l instanceof Boolean a && r instanceof Boolean b ? (op == BinaryOp.AND ? a && b : a || b) : null;
        if (op == BinaryOp.EQ || op == BinaryOp.NE) {
            boolean eq = l instanceof Number a && r instanceof Number b ? a.doubleValue() == b.doubleValue() : l.equals(r);
            return op == BinaryOp.EQ == eq;
        }
        if (!(l instanceof Number a) || !(r instanceof Number b)) return null;
        if (a instanceof Integer x && b instanceof Integer y) {
            return switch (op) {
                case ADD -> x + y;
                case SUB -> x - y;
                case MUL -> x * y;
                case DIV -> y == 0 ? null : Math.floorDiv(x, y);
                case MOD -> y == 0 ? null : Math.floorMod(x, y);
                case LT -> x < y;
                case LE -> x <= y;
                case GT -> x > y;
                case GE -> x >= y;
                default -> null;
            };
        }
        double x = a.doubleValue();
        double y = b.doubleValue();
        return switch (op) {
            case ADD -> x + y;
            case SUB -> x - y;
            case MUL -> x * y;
            case DIV -> y == 0 ? null : x / y;
            case MOD -> y == 0 ? null : x - Math.floor(x / y) * y;
            case LT -> x < y;
            case LE -> x <= y;
            case GT -> x > y;
            case GE -> x >= y;
            default -> null;
        };
    }
}
