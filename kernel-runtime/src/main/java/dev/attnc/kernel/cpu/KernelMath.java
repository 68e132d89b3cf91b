package dev.attnc.kernel.cpu;

/**
 * The operations of the language that are not one Java expression, with the meaning of
 * {@code ir.Semantics} (floats computed in float32, as kernels compute): generated code calls these.
 * The int divisions are defined here, and {@code ir.Semantics} calls them.
 */
public final class KernelMath {
    private static final double LN2 = Math.log(2);

    private KernelMath() {}

    /** Python's floor division; division by zero gives 0 (the language's choice). */
    public static int floorDiv(int x, int y) {
        return y == 0 ? 0 : Math.floorDiv(x, y);
    }

    /** Python's modulo (the sign of the divisor); by zero gives 0. */
    public static int floorMod(int x, int y) {
        return y == 0 ? 0 : Math.floorMod(x, y);
    }

    /** C's division, truncating toward zero; by zero gives 0. */
    public static int truncDiv(int x, int y) {
        return y == 0 ? 0 : x / y;
    }

    public static int truncMod(int x, int y) {
        return y == 0 ? 0 : x % y;
    }

    public static float log2(float x) {
        return (float) (Math.log(x) / LN2);
    }

    /** Python's float modulo: x - floor(x / y) · y. */
    public static float floorMod(float x, float y) {
        return x - (float) Math.floor(x / y) * y;
    }
}
