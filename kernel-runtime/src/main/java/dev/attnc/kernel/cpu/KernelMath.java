package dev.attnc.compiler.codegen.java.kernel;

/**
 * The float operations of the language that are not one Java expression, with the meaning of
 * {@code ir.Semantics} computed in float32 (as kernels compute): generated code calls these.
 */
public final class KernelMath {
    private static final double LN2 = Math.log(2);

    private KernelMath() {}

    public static float log2(float x) {
        return (float) (Math.log(x) / LN2);
    }

    /** Python's float modulo: x - floor(x / y) · y. */
    public static float floorMod(float x, float y) {
        return x - (float) Math.floor(x / y) * y;
    }
}
