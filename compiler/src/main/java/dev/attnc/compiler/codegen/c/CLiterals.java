package dev.attnc.compiler.codegen.c;

/**
 * Literals in C: every float literal is single precision (a suffix, never a bare {@code 1.5} that
 * would make the expression around it double), and no int literal is out of range on its own.
 */
public final class CLiterals {
    private CLiterals() {}

    /**
     * The float nearest {@code v}, printed with the fewest digits that read back as that float,
     * always with a '.' or an exponent so that the suffix is legal ({@code 1f} is not C).
     */
    public static String floatLiteral(double v, Dialect d) {
        float f = (float) v;
        if (Float.isNaN(f)) throw new IllegalArgumentException("NaN literal");
        if (Float.isInfinite(f)) return f > 0 ? d.infinity() : "(-" + d.infinity() + ")";
        String digits = Float.toString(Math.abs(f)); // "1.0", "2.7725887", "1.0E-5": always has '.'
        return (f < 0 || (f == 0 && 1 / f < 0) ? "(-" + digits + d.floatSuffix() + ")" : digits + d.floatSuffix());
    }

    /** An int literal; negative ones in parentheses, INT_MIN as an expression (2147483648 is not an int). */
    public static String intLiteral(int v) {
        if (v == Integer.MIN_VALUE) return "(-2147483647 - 1)";
        return v < 0 ? "(" + v + ")" : Integer.toString(v);
    }
}
