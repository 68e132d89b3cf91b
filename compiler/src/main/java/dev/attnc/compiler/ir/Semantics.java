package dev.attnc.compiler.ir;

import dev.attnc.kernel.cpu.KernelMath;

/**
 * The meaning of each operation on plain values, written once: constant folding, the reference
 * interpreter and the interval evaluator all call these. Ints are Java ints (32-bit, wrapping);
 * floats are doubles here (kernels round to float32). The int divisions are the kernel runtime's
 * ({@link KernelMath}), which generated Java kernels call: one definition for both.
 */
public final class Semantics {
    private Semantics() {}

    /** Python's floor division; division by zero gives 0 (the language's choice). */
    public static int floorDiv(int x, int y) {
        return KernelMath.floorDiv(x, y);
    }

    /** Python's modulo (the sign of the divisor); by zero gives 0. */
    public static int floorMod(int x, int y) {
        return KernelMath.floorMod(x, y);
    }

    public static double floorMod(double x, double y) {
        return x - Math.floor(x / y) * y;
    }

    /** C's division, truncating toward zero; by zero gives 0. */
    public static int truncDiv(int x, int y) {
        return KernelMath.truncDiv(x, y);
    }

    public static int truncMod(int x, int y) {
        return KernelMath.truncMod(x, y);
    }

    /** float → int: toward zero, saturating at the int range, NaN → 0 (Java's cast does exactly this). */
    public static int toInt(double x) {
        return (int) x;
    }

    public static int floor(double x) {
        return (int) Math.floor(x);
    }

    public static int ceil(double x) {
        return (int) Math.ceil(x);
    }

    public static double unary(UnaryOp op, double x) {
        return switch (op) {
            case NEG -> -x;
            case EXP -> Math.exp(x);
            case EXP2 -> Math.pow(2, x);
            case LOG -> Math.log(x);
            case LOG2 -> Math.log(x) / Math.log(2);
            case SQRT -> Math.sqrt(x);
            case RSQRT -> 1 / Math.sqrt(x);
            case TANH -> Math.tanh(x);
            case SIGMOID -> 1 / (1 + Math.exp(-x));
            case ABS -> Math.abs(x);
            default -> throw new IllegalArgumentException(op + " is not float → float");
        };
    }

    public static int unary(UnaryOp op, int x) {
        return switch (op) {
            case NEG -> -x;
            case ABS -> Math.abs(x);
            default -> throw new IllegalArgumentException(op + " is not int → int");
        };
    }

    public static int binary(BinaryOp op, int x, int y) {
        return switch (op) {
            case ADD -> x + y;
            case SUB -> x - y;
            case MUL -> x * y;
            case FLOOR_DIV -> floorDiv(x, y);
            case FLOOR_MOD -> floorMod(x, y);
            case TRUNC_DIV -> truncDiv(x, y);
            case TRUNC_MOD -> truncMod(x, y);
            case MIN -> Math.min(x, y);
            case MAX -> Math.max(x, y);
            default -> throw new IllegalArgumentException(op + " is not int × int → int");
        };
    }

    public static double binary(BinaryOp op, double x, double y) {
        return switch (op) {
            case ADD -> x + y;
            case SUB -> x - y;
            case MUL -> x * y;
            case DIV -> x / y;
            case FLOOR_MOD -> floorMod(x, y);
            case MIN -> Math.min(x, y);
            case MAX -> Math.max(x, y);
            default -> throw new IllegalArgumentException(op + " is not float × float → float");
        };
    }

    public static boolean compare(BinaryOp op, double x, double y) {
        return switch (op) {
            case LT -> x < y;
            case LE -> x <= y;
            case GT -> x > y;
            case GE -> x >= y;
            case EQ -> x == y;
            case NE -> x != y;
            default -> throw new IllegalArgumentException(op + " is not a comparison");
        };
    }

    public static boolean logic(BinaryOp op, boolean x, boolean y) {
        return switch (op) {
            case AND -> x && y;
            case OR -> x || y;
            case EQ -> x == y;
            case NE -> x != y;
            default -> throw new IllegalArgumentException(op + " is not bool × bool → bool");
        };
    }
}
