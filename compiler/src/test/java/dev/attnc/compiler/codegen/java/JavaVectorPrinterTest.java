package dev.attnc.compiler.codegen.java;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnc.compiler.Compilation;
import dev.attnc.compiler.diag.SourceFile;
import dev.attnc.compiler.plan.TilePlan;
import org.junit.jupiter.api.Test;

/** Which score functions and masks go a vector of keys at a time, and what the vector code looks like. */
class JavaVectorPrinterTest {
    private static String generate(String source) {
        var a = Compilation.of(new SourceFile("t.attn", source)).orThrow().optimized(null);
        return JavaKernelGenerator.generate(a, "float32", 64, new TilePlan(64, 64, 1)).toString();
    }

    private static boolean vectorized(String src) {
        return src.contains("j <= cols - ElementVectors.LANES");
    }

    @Test
    void floatMathAndComparisonsVectorizeWithPerRowValuesBroadcast() {
        String src = generate("attention a(slopes: float[H], cap: float) { score = cap * tanh((score + slopes[h] * float(kv - q)) / cap) \n mask = q >= kv }");
        assertTrue(vectorized(src), src);
        assertTrue(src.contains("lanewise(VectorOperators.TANH)"), src);
        assertTrue(src.contains("IntVector.broadcast(ElementVectors.INTS, q).compare(VectorOperators.GE, kv)"), src);
        assertTrue(src.contains("FloatVector.broadcast(ElementVectors.FLOATS, t0)"), "slopes[h], read once per task:\n" + src);
        assertTrue(src.contains("for (; j < cols; j++)"), "the keys of a ragged tile past the last whole vector, one at a time:\n" + src);
    }

    @Test
    void masksOnlyStoreMinusInfinityThroughTheMask() {
        String src = generate("attention a(w: int) { mask = q - kv <= w && kv <= q }");
        assertTrue(src.contains("ElementVectors.MINUS_INFINITY.intoArray(s, at, "), src);
    }

    @Test
    void divisionModuloAndPerKeyTensorReadsStayScalar() {
        assertFalse(vectorized(generate("attention a(w: int) { mask = kv % w == 0 }")));
        assertFalse(vectorized(generate("attention a { score = score + float((kv - q) / 3) }")));
        assertFalse(vectorized(generate("attention a(doc: int[KV_LEN]) { mask = doc[q] == doc[kv] }")));
        assertFalse(vectorized(generate("attention a { score = score + float(int(score)) }")));
    }
}
