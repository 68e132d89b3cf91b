package dev.attnc.compiler.ir;

/** One-operand operations. The conversions and math functions are here too: each is one input, one output. */
public enum UnaryOp {
    NEG("neg"), NOT("not"),
    EXP("exp"), EXP2("exp2"), LOG("log"), LOG2("log2"), SQRT("sqrt"), RSQRT("rsqrt"),
    TANH("tanh"), SIGMOID("sigmoid"), ABS("abs"), FLOOR("floor"), CEIL("ceil"),
    /** int → float. */
    TO_FLOAT("float"),
    /** float → int, truncating toward zero, saturating at the int range; NaN gives 0. */
    TO_INT("int");

    public final String word;

    UnaryOp(String word) {
        this.word = word;
    }

    /** The type of the result for an operand of type {@code in}, or null if the operand is not allowed. */
    public Type result(Type in) {
        return switch (this) {
            case NEG, ABS -> in.isNumeric() ? in : null;
            case NOT -> in == Type.BOOL ? Type.BOOL : null;
            case FLOOR, CEIL -> in == Type.FLOAT ? Type.INT : null;
            case TO_FLOAT -> in == Type.INT ? Type.FLOAT : null;
            case TO_INT -> in == Type.FLOAT ? Type.INT : null;
            case EXP, EXP2, LOG, LOG2, SQRT, RSQRT, TANH, SIGMOID -> in == Type.FLOAT ? Type.FLOAT : null;
        };
    }
}
