package dev.attnc.compiler.interp;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.attnc.compiler.TestPrograms;
import dev.attnc.compiler.ir.Attention;
import dev.attnc.kernel.Sizes;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The meaning of operations that differ between languages: floor division, modulo, int(), clamped reads. */
class EvaluatorTest {
    private static double score(String body, int q, int kv) {
        Attention a = TestPrograms.lowered("attention t { score = " + body + " }");
        return new Evaluator(new Sizes(1, 1, 1, 16, 16, 4), Bindings.none()).at(0, 0, q, kv, 0).evalFloat(a.score());
    }

    @Test
    void integerDivisionFloorsLikePython() {
        assertEquals(-4, score("float((q - kv) / 2)", 0, 7));    // -7 / 2 == -4
        assertEquals(1, score("float((q - kv) % 2)", 0, 7));     // -7 % 2 == 1
        assertEquals(-1, score("float((kv - q) % -2)", 0, 7));   // 7 % -2 == -1
        assertEquals(3, score("float((q - kv) / -2)", 0, 7));    // -7 / -2 == 3
        assertEquals(3, score("float(7 / 2)", 0, 0));
    }

    @Test
    void divisionByZeroAtRunTimeGivesZero() {
        assertEquals(0, score("float(q / (kv - 3))", 5, 3));
        assertEquals(0, score("float(q % (kv - 3))", 5, 3));
    }

    @Test
    void intTruncatesTowardZeroFloorAndCeilRound() {
        assertEquals(-2, score("float(int(-2.7))", 0, 0));
        assertEquals(-3, score("float(floor(-2.5))", 0, 0));
        assertEquals(-2, score("float(ceil(-2.5))", 0, 0));
        assertEquals(2, score("float(int(2.7))", 0, 0));
    }

    @Test
    void clampAbsMinMaxKeepIntegers() {
        assertEquals(3, score("float(clamp(q - kv, -3, 3)) * -1.0", 0, 9));
        assertEquals(9, score("float(abs(q - kv))", 0, 9));
        assertEquals(0.5, score("min(q, 0.5)", 3, 0));
    }

    @Test
    void tensorIndicesOutsideTheShapeReadTheNearestElement() {
        Attention a = TestPrograms.lowered("attention t(bias: float[4]) { score = bias[kv - q] }");
        Bindings b = new Bindings(Map.of(), Map.of("bias", TensorData.of(new double[] {10, 11, 12, 13}, 4)));
        Evaluator ev = new Evaluator(new Sizes(1, 1, 1, 16, 16, 4), b);
        assertEquals(10, ev.at(0, 0, 5, 0, 0).evalFloat(a.score()));
        assertEquals(12, ev.at(0, 0, 0, 2, 0).evalFloat(a.score()));
        assertEquals(13, ev.at(0, 0, 0, 9, 0).evalFloat(a.score()));
    }
}
