package dev.attnc.compiler.codegen.java;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnc.compiler.Compilation;
import dev.attnc.compiler.diag.SourceFile;
import dev.attnc.compiler.ir.Attention;
import dev.attnc.compiler.ir.BinaryOp;
import dev.attnc.compiler.ir.Expr;
import dev.attnc.compiler.ir.ParamDecl;
import dev.attnc.compiler.ir.Type;
import dev.attnc.compiler.plan.TilePlan;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** What the printer makes of single operations, and where it puts each value. */
class JavaExprPrinterTest {
    private static String generate(String source) {
        Attention a = Compilation.of(new SourceFile("t.attn", source)).orThrow().optimized(null);
        return JavaKernelGenerator.generate(a, "float32", 64, new TilePlan(64, 64, 1)).toString();
    }

    private static int count(String text, String part) {
        Matcher m = Pattern.compile(Pattern.quote(part)).matcher(text);
        int n = 0;
        while (m.find()) n++;
        return n;
    }

    @Test
    void divisionGuardsZeroUnlessTheDivisorIsProvenNonzero() {
        String src = generate("attention a(d: int) { score = score + float((q - kv) / 3) + float((q - kv) % d) + float(kv / 4) }");
        assertTrue(src.matches("(?s).*Math\\.floorDiv\\(t\\d+, 3\\).*"), src);
        assertTrue(src.matches("(?s).*KernelMath\\.floorMod\\(t\\d+, p0_d\\).*"), src);
        assertFalse(src.contains("KernelMath.floorDiv"), src);
        assertTrue(src.contains("(kv / 4)"), "non-negative by a positive constant is C division:\n" + src);
    }

    @Test
    void floatConstantsAreFloat32Literals() {
        String src = generate("attention a { score = score * 0.1 - 2.5 + float(int(score * -1.5)) }");
        assertTrue(src.contains("0.1f") && src.contains("2.5f") && src.contains("(-1.5f)"), src);
        assertTrue(src.contains("((int) "), src);
    }

    @Test
    void valuesLiveInTheOutermostLoopWhereTheyAreFixed() {
        String src = generate("attention a(s: float[H], doc: int[KV_LEN]) { score = score * s[h] \n mask = doc[q] == doc[kv] }");
        int runLoop = src.indexOf("for (int run");
        int rowLoop = src.indexOf("for (int i = 0");
        int pairLoop = src.indexOf("for (int j = 0");
        assertTrue(src.indexOf("p0_s[h]") < runLoop, "per head, once per task:\n" + src);
        int rowRead = src.indexOf("p1_doc[Math.clamp(q, 0, p1_doc_n0 - 1)]");
        assertTrue(rowLoop < rowRead && rowRead < pairLoop, "per row, outside the key loop:\n" + src);
        assertTrue(src.indexOf("p1_doc[kv]") > pairLoop, "per key, in the key loop:\n" + src);
    }

    @Test
    void sharedNodesAreComputedOnce() {
        String src = generate("attention a { score = score + float(q - kv) * float(q - kv) \n mask = q - kv <= 100 }");
        assertEquals(2, count(src, "= (q - kv);"), "once in the PARTIAL loop and once in the FULL loop:\n" + src);
        assertFalse(src.contains("float) (q - kv)"), src);
    }

    @Test
    void fullTilesRunNoMaskCode() {
        String src = generate("attention a { mask = q >= kv }");
        assertTrue(src.contains("if (partial)") && !src.contains("else"), src);
        assertEquals(1, count(src, "(q >= kv)"), src);
    }

    @Test
    void hostileNamesAreSanitized() {
        String evil = "x\"); System.exit(1); /* ";
        Attention a = new Attention("a */ class X { //", List.of(new ParamDecl.Scalar(evil, Type.FLOAT, 1.0)),
                new Expr.Binary(BinaryOp.ADD, new Expr.Score(), new Expr.Param(evil, Type.FLOAT)), new Expr.BoolConst(true));
        String src = JavaKernelGenerator.generate(a, "f32\n*/ evil", 64, new TilePlan(64, 64, 1)).toString();
        assertFalse(src.contains("System.exit") || src.contains("class X") || src.contains("*/ evil"), src);
        assertTrue(src.contains("p0_x____System_exit_1_____"), src);
        assertTrue(src.contains("class Attn_a____class_X____"), src);
    }
}
