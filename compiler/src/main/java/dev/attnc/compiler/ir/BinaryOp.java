package dev.attnc.compiler.ir;

/**
 * Two-operand operations. Both operands have one type (lowering inserts int→float conversions).
 * Integer {@code /} and {@code %} are FLOOR_DIV and FLOOR_MOD (Python's meaning); when range analysis
 * proves both operands non-negative they become the cheaper TRUNC_DIV and TRUNC_MOD (C's meaning),
 * which agree there. Any integer division by zero gives 0.
 */
public enum BinaryOp {
    ADD("add", "+"), SUB("sub", "-"), MUL("mul", "*"), DIV("div", "/"),
    FLOOR_DIV("floordiv", "/"), FLOOR_MOD("floormod", "%"), TRUNC_DIV("truncdiv", "/"), TRUNC_MOD("truncmod", "%"),
    MIN("min", null), MAX("max", null),
    LT("lt", "<"), LE("le", "<="), GT("gt", ">"), GE("ge", ">="), EQ("eq", "=="), NE("ne", "!="),
    AND("and", "&&"), OR("or", "||");

    public final String word;
    /** The C/Java operator, or null for those printed as functions. */
    public final String symbol;

    BinaryOp(String word, String symbol) {
        this.word = word;
        this.symbol = symbol;
    }

    public boolean isComparison() {
        return switch (this) {
            case LT, LE, GT, GE, EQ, NE -> true;
            default -> false;
        };
    }

    public boolean isCommutative() {
        return switch (this) {
            case ADD, MUL, MIN, MAX, EQ, NE, AND, OR -> true;
            default -> false;
        };
    }

    /** The result type for operands of type {@code in}, or null if such operands are not allowed. */
    public Type result(Type in) {
        return switch (this) {
            case ADD, SUB, MUL, MIN, MAX -> in.isNumeric() ? in : null;
            case DIV -> in == Type.FLOAT ? Type.FLOAT : null;
            case FLOOR_DIV, TRUNC_DIV, TRUNC_MOD -> in == Type.INT ? Type.INT : null;
            // float % is x - floor(x / y) * y, as in Python
            case FLOOR_MOD -> in.isNumeric() ? in : null;
            case LT, LE, GT, GE -> in.isNumeric() ? Type.BOOL : null;
            case EQ, NE -> Type.BOOL;
            case AND, OR -> in == Type.BOOL ? Type.BOOL : null;
        };
    }
}
