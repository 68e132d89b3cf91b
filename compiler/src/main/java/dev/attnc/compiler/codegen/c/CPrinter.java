package dev.attnc.compiler.codegen.c;

import dev.attnc.compiler.ir.BinaryOp;
import dev.attnc.compiler.ir.Expr;
import dev.attnc.compiler.ir.Expr.*;
import dev.attnc.compiler.ir.Poly;
import dev.attnc.compiler.ir.Type;
import dev.attnc.compiler.ir.UnaryOp;
import dev.attnc.compiler.passes.Exprs;
import dev.attnc.compiler.passes.Interval;
import dev.attnc.compiler.passes.RangeAnalysis;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * IR expressions → C expressions of one {@link Dialect}, each operation with exactly the meaning
 * {@code ir.Semantics} gives it. An operand is printed by a function the caller gives: the name of
 * the local that holds it, or (see {@link #inline}) its own text in parentheses.
 * <p>
 * Range facts make the common case plain C: int {@code + - *} whose result provably fits in an
 * int (with every size at most {@link #SIZE_LIMIT}) use C's operators, the others wrap through
 * unsigned arithmetic (signed overflow is undefined in C; the language's ints wrap); division by a
 * divisor proven ≥ 1 skips the zero test.
 */
public final class CPrinter {
    /**
     * The largest size (Q_LEN, KV_LEN, ...) that C-family kernels accept; backends refuse larger
     * calls. It bounds every size-polynomial, which lets range facts prove int arithmetic exact.
     */
    public static final long SIZE_LIMIT = 1L << 24;

    private final Dialect d;
    private final Names names;
    private final Map<Expr, Interval> ranges;
    private final Map<Expr, Boolean> fitting = new java.util.HashMap<>();
    private final boolean fastMath;

    public CPrinter(Dialect d, Names names, Map<Expr, Interval> ranges, boolean fastMath) {
        this.d = d;
        this.names = names;
        this.ranges = ranges;
        this.fastMath = fastMath;
    }

    public String type(Type t) {
        return switch (t) {
            case INT -> "int";
            case FLOAT -> "float";
            case BOOL -> "bool";
        };
    }

    /** A whole expression with every interior node printed in place (for small expressions, such as tensor dimensions). */
    public String inline(Expr e) {
        return operand(e, null);
    }

    private String operand(Expr e, Function<Expr, String> bound) {
        if (Exprs.isLeaf(e)) return leaf(e);
        String name = bound == null ? null : bound.apply(e);
        if (name != null) return name;
        return "(" + rhs(e, c -> operand(c, bound)) + ")";
    }

    /**
     * The operation of an interior node over its operands, each printed by {@code operand}
     * (leaves print themselves).
     */
    public String rhs(Expr e, Function<Expr, String> operand) {
        Function<Expr, String> op = c -> Exprs.isLeaf(c) ? leaf(c) : operand.apply(c);
        return switch (e) {
            case Unary u -> unary(u, op.apply(u.operand()));
            case Binary b -> binary(b, op.apply(b.left()), op.apply(b.right()));
            case Select s -> op.apply(s.condition()) + " ? " + op.apply(s.then()) + " : " + op.apply(s.otherwise());
            case Load l -> load(l, op);
            default -> leaf(e);
        };
    }

    public String leaf(Expr e) {
        return switch (e) {
            case IntConst c -> CLiterals.intLiteral(c.value());
            case FloatConst c -> CLiterals.floatLiteral(c.value(), d);
            case BoolConst c -> c.value() ? "true" : "false";
            case Index i -> switch (i.axis()) {
                case B -> Names.B;
                case H -> Names.H;
                case Q -> Names.Q;
                case KV -> Names.KV;
            };
            case Size s -> Names.size(s.size());
            // bool parameters arrive as int kernel arguments (no bool kernel arguments in OpenCL C)
            case Param p -> p.type() == Type.BOOL ? "(" + names.param(p.name()) + " != 0)" : names.param(p.name());
            case Score s -> Names.SCORE;
            default -> throw new IllegalArgumentException("not a leaf: " + e);
        };
    }

    private String fn(String c99) {
        return d.math().function(c99, fastMath);
    }

    private String unary(Unary u, String x) {
        boolean isInt = u.operand().type() == Type.INT;
        return switch (u.op()) {
            case NEG -> isInt && !fits(u) ? wrap("0u - (" + d.types().uint32() + ")" + x) : "-" + x;
            case NOT -> "!" + x;
            case ABS -> isInt ? d.math().intAbs().formatted(x) : fn("fabs") + "(" + x + ")";
            case EXP -> fn("exp") + "(" + x + ")";
            case EXP2 -> fn("exp2") + "(" + x + ")";
            case LOG -> fn("log") + "(" + x + ")";
            case LOG2 -> fn("log2") + "(" + x + ")";
            case SQRT -> fn("sqrt") + "(" + x + ")";
            case RSQRT -> fn("rsqrt") + "(" + x + ")";
            case TANH -> fn("tanh") + "(" + x + ")";
            case SIGMOID -> one() + " / (" + one() + " + " + fn("exp") + "(-" + x + "))";
            case FLOOR -> CHelpers.TO_INT + "(" + fn("floor") + "(" + x + "))";
            case CEIL -> CHelpers.TO_INT + "(" + fn("ceil") + "(" + x + "))";
            case TO_FLOAT -> "(float)" + x;
            case TO_INT -> CHelpers.TO_INT + "(" + x + ")";
        };
    }

    private String one() {
        return CLiterals.floatLiteral(1.0, d);
    }

    private String binary(Binary b, String l, String r) {
        boolean isInt = b.left().type() == Type.INT;
        BinaryOp op = b.op();
        return switch (op) {
            case ADD, SUB, MUL -> isInt && !fits(b) ? wrapped(op, l, r) : l + " " + op.symbol + " " + r;
            case DIV -> l + " / " + r;
            case FLOOR_DIV -> call(positive(b.right()) ? CHelpers.FLOOR_DIV_POS : CHelpers.FLOOR_DIV, l, r);
            case FLOOR_MOD -> isInt ? call(positive(b.right()) ? CHelpers.FLOOR_MOD_POS : CHelpers.FLOOR_MOD, l, r)
                    : call(CHelpers.FLOAT_MOD, l, r);
            case TRUNC_DIV -> positive(b.right()) ? l + " / " + r : call(CHelpers.TRUNC_DIV, l, r);
            case TRUNC_MOD -> positive(b.right()) ? l + " % " + r : call(CHelpers.TRUNC_MOD, l, r);
            case MIN -> call(isInt ? d.math().intMin() : CHelpers.FLOAT_MIN, l, r);
            case MAX -> call(isInt ? d.math().intMax() : CHelpers.FLOAT_MAX, l, r);
            case LT, LE, GT, GE, EQ, NE, AND, OR -> l + " " + op.symbol + " " + r;
        };
    }

    private static String call(String f, String... args) {
        return f + "(" + String.join(", ", args) + ")";
    }

    /** l op r in 32-bit unsigned arithmetic, read back as int: two's complement wrapping. */
    private String wrapped(BinaryOp op, String l, String r) {
        String u = "(" + d.types().uint32() + ")";
        return wrap(u + l + " " + op.symbol + " " + u + r);
    }

    private String wrap(String uintExpr) {
        return d.conversions().uintToInt().formatted(uintExpr);
    }

    /**
     * {@code t[i, j, ...]} as a flat row-major read; each index clamped into [0, dim - 1] when the
     * load is still marked clamped (range analysis removes the mark where it proves the index in
     * bounds). A bool element is any nonzero byte.
     */
    private String load(Load l, Function<Expr, String> op) {
        String read = names.param(l.tensor().name()) + "[" + flatIndex(l, op) + "]";
        return l.tensor().elementType() == Type.BOOL ? "(" + read + " != 0)" : read;
    }

    /**
     * The row-major element index a load reads, each index clamped as {@link #load} clamps it; its
     * indices printed by {@code operand} (leaves print themselves). A backward kernel adds a
     * parameter's gradient at it.
     */
    public String flatIndex(Load l, Function<Expr, String> operand) {
        Function<Expr, String> op = c -> Exprs.isLeaf(c) ? leaf(c) : operand.apply(c);
        List<Expr> dims = l.tensor().dims();
        String flat = null;
        for (int i = 0; i < dims.size(); i++) {
            String index = op.apply(l.indices().get(i));
            if (l.clamped()) index = d.math().clamp().formatted(index, "0", lastIndex(dims.get(i)));
            flat = flat == null ? index : parenthesized(flat) + " * " + inline(dims.get(i)) + " + " + index;
        }
        return flat;
    }

    private static String parenthesized(String c) {
        return c.matches("[A-Za-z0-9_]+") ? c : "(" + c + ")";
    }

    private String lastIndex(Expr dim) {
        return dim instanceof IntConst c ? CLiterals.intLiteral(c.value() - 1) : inline(dim) + " - 1";
    }

    private Interval range(Expr e) {
        Interval r = ranges.get(e);
        return r != null ? r : RangeAnalysis.analyze(e).getOrDefault(e, Interval.UNKNOWN);
    }

    private boolean positive(Expr divisor) {
        return range(divisor).atLeast(1);
    }

    /**
     * Whether every value of this + - * or negation fits in an int for sizes up to {@link #SIZE_LIMIT},
     * and so does every such operand (one that does not is printed wrapped, and a signed operation
     * on its wrapped value could overflow). Its exact bounds, not its range: the range is unknown
     * where the value may wrap at sizes up to 2^30, which C kernels never take.
     */
    private boolean fits(Expr e) {
        Boolean known = fitting.get(e);
        if (known != null) return known;
        boolean f = e.children().stream().allMatch(o -> o.type() != Type.INT || !ringOp(o) || fits(o));
        Interval r = f ? RangeAnalysis.exactBounds(e) : Interval.UNKNOWN;
        f = r.lo() != null && r.hi() != null && bounded(r.lo()) && bounded(r.hi());
        fitting.put(e, f);
        return f;
    }

    private static boolean ringOp(Expr e) {
        return e instanceof Binary b ? switch (b.op()) {
            case ADD, SUB, MUL -> true;
            default -> false;
        } : e instanceof Unary u && u.op() == UnaryOp.NEG;
    }

    /** |p| ≤ INT_MAX for all sizes in [1, SIZE_LIMIT]; only linear polynomials are considered. */
    static boolean bounded(Poly p) {
        long worst = 0;
        for (Map.Entry<String, Long> t : p.terms().entrySet()) {
            if (t.getKey().contains("*")) return false;
            long magnitude = Math.abs(t.getValue());
            if (magnitude > Integer.MAX_VALUE) return false;
            worst += t.getKey().isEmpty() ? magnitude : magnitude * SIZE_LIMIT;
            if (worst > Integer.MAX_VALUE) return false;
        }
        return true;
    }
}
