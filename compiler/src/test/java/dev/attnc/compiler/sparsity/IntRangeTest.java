package dev.attnc.compiler.sparsity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnc.compiler.ir.BinaryOp;
import dev.attnc.compiler.ir.Semantics;
import java.util.function.BinaryOperator;
import org.junit.jupiter.api.Test;

/**
 * Interval arithmetic against {@link Semantics}, exhaustively over small ranges (both signs,
 * zero divisors) and at the edges of the int range, where results wrap.
 */
class IntRangeTest {
    private interface IntOp {
        int apply(int x, int y);
    }

    private static void sound(String name, BinaryOperator<IntRange> ranges, IntOp points, int lo, int hi, int dLo, int dHi) {
        for (int a = lo; a <= hi; a++) {
            for (int b = a; b <= hi; b++) {
                for (int c = dLo; c <= dHi; c++) {
                    for (int d = c; d <= dHi; d++) {
                        IntRange r = ranges.apply(new IntRange(a, b), new IntRange(c, d));
                        long min = Long.MAX_VALUE, max = Long.MIN_VALUE;
                        for (int x = a; x <= b; x++) {
                            for (int y = c; y <= d; y++) {
                                int v = points.apply(x, y);
                                assertTrue(v >= r.lo() && v <= r.hi(), name + " [" + a + "," + b + "] by [" + c + "," + d + "] gave " + r + " but " + x + ", " + y + " → " + v);
                                min = Math.min(min, v);
                                max = Math.max(max, v);
                            }
                        }
                        // one divisor: division is monotone, so its range is exact; so is a modulo within one period
                        boolean exact = c == d && c != 0 && (name.endsWith("div") || name.equals("floormod") && Math.floorDiv(a, c) == Math.floorDiv(b, c));
                        if (exact) assertEquals(new IntRange(min, max), r, name + " [" + a + "," + b + "] by " + c);
                    }
                }
            }
        }
    }

    @Test
    void divisionAndModuloAreSoundForEverySign() {
        sound("floordiv", (x, d) -> x.div(d, true), Semantics::floorDiv, -9, 9, -5, 5);
        sound("truncdiv", (x, d) -> x.div(d, false), Semantics::truncDiv, -9, 9, -5, 5);
        sound("floormod", IntRange::floorMod, Semantics::floorMod, -9, 9, -5, 5);
        sound("truncmod", IntRange::truncMod, Semantics::truncMod, -9, 9, -5, 5);
    }

    @Test
    void arithmeticIsSound() {
        sound("add", IntRange::add, (x, y) -> x + y, -6, 6, -6, 6);
        sound("sub", IntRange::sub, (x, y) -> x - y, -6, 6, -6, 6);
        sound("mul", IntRange::mul, (x, y) -> x * y, -6, 6, -6, 6);
        sound("min", IntRange::min, Math::min, -6, 6, -6, 6);
        sound("max", IntRange::max, Math::max, -6, 6, -6, 6);
        sound("abs", (x, y) -> x.abs(), (x, y) -> Math.abs(x), -6, 6, 0, 0);
        sound("neg", (x, y) -> x.neg(), (x, y) -> -x, -6, 6, 0, 0);
    }

    @Test
    void resultsThatMayWrapAreTop() {
        IntRange big = new IntRange(Integer.MAX_VALUE - 2, Integer.MAX_VALUE);
        assertEquals(IntRange.TOP, big.add(IntRange.point(1)));
        assertEquals(IntRange.TOP, IntRange.point(Integer.MIN_VALUE).neg());
        assertEquals(IntRange.TOP, IntRange.point(Integer.MIN_VALUE).abs());
        assertEquals(IntRange.TOP, IntRange.point(Integer.MIN_VALUE).div(IntRange.point(-1), true));
        assertEquals(IntRange.point(0), IntRange.point(Integer.MIN_VALUE).truncMod(IntRange.point(-1)));
        assertEquals(IntRange.TOP, big.mul(IntRange.point(2)));
    }

    @Test
    void comparisonsAreKnownOnlyWhenTheyHoldEverywhereOrNowhere() {
        IntRange a = new IntRange(0, 3), b = new IntRange(4, 9);
        assertEquals(Tri.TRUE, a.compare(BinaryOp.LT, b));
        assertEquals(Tri.FALSE, a.compare(BinaryOp.GE, b));
        assertEquals(Tri.FALSE, a.compare(BinaryOp.EQ, b));
        assertEquals(Tri.UNKNOWN, a.compare(BinaryOp.LT, new IntRange(3, 9)));
        assertEquals(Tri.TRUE, IntRange.point(5).compare(BinaryOp.EQ, IntRange.point(5)));
        assertEquals(Tri.UNKNOWN, new IntRange(5, 6).compare(BinaryOp.EQ, new IntRange(5, 6)));
    }
}
