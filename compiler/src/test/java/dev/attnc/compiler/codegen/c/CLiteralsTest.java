package dev.attnc.compiler.codegen.c;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class CLiteralsTest {
    /** Every literal reads back (as C's strtof would) as the float nearest the value, and carries the suffix. */
    @Test
    void floatLiteralsRoundTripAndAreSinglePrecision() {
        java.util.Random r = new java.util.Random(1);
        double[] special = {0, 1, -1, 0.1, 1e-45, 1e-40, 3.4028234663852886e38, 2.772588722239781, 1e10, -2.5e-3, 16777217};
        for (int i = 0; i < 2000; i++) {
            double v = i < special.length ? special[i] : Math.scalb(r.nextDouble() * 2 - 1, r.nextInt(200) - 100);
            String lit = CLiterals.floatLiteral(v, Dialect.OPENCL);
            String bare = lit.replaceAll("^\\(|\\)$", "");
            assertTrue(bare.endsWith("f") && (bare.contains(".")), lit);
            assertEquals((float) v, Float.parseFloat(bare.substring(0, bare.length() - 1)), lit);
        }
        assertEquals("(-0.0f)", CLiterals.floatLiteral(-0.0, Dialect.CUDA));
        assertEquals("(-INFINITY)", CLiterals.floatLiteral(Double.NEGATIVE_INFINITY, Dialect.OPENCL));
        assertEquals("3.4028235E38f", CLiterals.floatLiteral(Float.MAX_VALUE, Dialect.OPENCL));
    }

    @Test
    void intLiterals() {
        assertEquals("7", CLiterals.intLiteral(7));
        assertEquals("(-7)", CLiterals.intLiteral(-7));
        assertEquals("(-2147483647 - 1)", CLiterals.intLiteral(Integer.MIN_VALUE));
    }
}
