package dev.attnc.compiler.front;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.attnc.compiler.Compilation;
import dev.attnc.compiler.codegen.c.Storage;
import dev.attnc.compiler.codegen.java.JavaKernelGenerator;
import dev.attnc.compiler.codegen.opencl.OpenClCodegen;
import dev.attnc.compiler.diag.Diagnostic;
import dev.attnc.compiler.ir.Expr;
import dev.attnc.compiler.plan.TilePlan;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * Deep programs get a limit diagnostic, never a StackOverflowError (issue 15, item 2), and
 * programs just inside the limits go all the way through, code generation included, on a 1 MB
 * stack. Also the literal and constant fixes of item 5.
 */
class FrontEndLimitsTest {
    private static String repeat(String s, int n) {
        return s.repeat(n);
    }

    private static List<String> keys(String text) throws Throwable {
        return FrontEndRun.compile("deep.attn", text).diagnostics().stream().map(Diagnostic::key).toList();
    }

    @ParameterizedTest
    @ValueSource(ints = {300, 100_000})
    void deepNestingIsALimitDiagnostic(int n) throws Throwable {
        assertEquals(List.of("limit.nesting"), keys("attention a { mask = " + repeat("(", n) + "q >= kv" + repeat(")", n) + " }\n"));
        assertEquals(List.of("limit.nesting"), keys("attention a { score = " + repeat("-", n) + "score }\n"));
        assertEquals(List.of("limit.nesting"), keys("attention a { score = " + repeat("!", n) + "true ? score : 0.0 }\n"));
        assertEquals(List.of("limit.nesting"), keys("attention a { mask = " + repeat("q > 1 ? true : ", n) + "false }\n"));
        assertEquals(List.of("limit.nesting"), keys("attention a { mask = " + repeat("(q > 1 ? true : ", n) + "false" + repeat(")", n) + " }\n"));
        assertEquals(List.of("limit.nesting"), keys("attention a { score = " + repeat("min(1.0, ", n) + "score" + repeat(")", n) + " }\n"));
    }

    @ParameterizedTest
    @ValueSource(ints = {1_001, 100_000})
    void longChainsAreALimitDiagnostic(int n) throws Throwable {
        assertEquals(List.of("limit.expression-depth"), keys("attention a { score = score" + repeat(" + 1.0", n) + " }\n"));
        assertEquals(List.of("limit.expression-depth"), keys("attention a { mask = q >= kv" + repeat(" && q >= kv", n) + " }\n"));
        assertEquals(List.of("limit.expression-depth"), keys("score s = score\nattention a { score = score" + repeat(" |> s", n) + " }\n"));
    }

    @Test
    void aOneMegabyteLineIsALimitDiagnostic() throws Throwable {
        String line = "attention a { score = score" + repeat(" * 1.0", (1 << 20) / 6) + " }";
        assertEquals(List.of("limit.expression-depth"), keys(line));
    }

    @ParameterizedTest
    @ValueSource(ints = {1_001, 100_000})
    void deepExpansionsAreALimitDiagnostic(int n) throws Throwable {
        StringBuilder lets = new StringBuilder("attention a { score = {\n let x0 = score\n");
        for (int i = 1; i < n; i++) lets.append(" let x").append(i).append(" = x").append(i - 1).append(" + 1.0\n");
        assertEquals(List.of("limit.inlined-depth"), keys(lets.append(" x").append(n - 1).append("\n} }\n").toString()));
        StringBuilder defs = new StringBuilder("mask m0 = q >= kv\n");
        for (int i = 1; i < n; i++) defs.append("mask m").append(i).append(" = m").append(i - 1).append(" && q >= kv - ").append(i).append('\n');
        assertEquals(List.of("limit.inlined-depth"), keys(defs.append("attention a { mask = m").append(n - 1).append(" }\n").toString()));
    }

    @Test
    void doublingExpansionsAreALimitDiagnosticNotExponentialTime() throws Throwable {
        StringBuilder defs = new StringBuilder("mask m0 = q >= kv\n");
        for (int i = 1; i < 60; i++) defs.append("mask m").append(i).append(" = m").append(i - 1).append(" && !m").append(i - 1).append('\n');
        assertEquals(List.of("limit.inlined-size"), keys(defs.append("attention a { mask = m59 }\n").toString()));
        StringBuilder lets = new StringBuilder("attention a { mask = {\n let x0 = q >= kv\n");
        for (int i = 1; i < 60; i++) lets.append(" let x").append(i).append(" = x").append(i - 1).append(" && !x").append(i - 1).append('\n');
        assertEquals(List.of("limit.inlined-size"), keys(lets.append(" x59\n} }\n").toString()));
    }

    /** Just inside every limit: compiles, and the code generators (recursive too) cope on 1 MB. */
    @Test
    void programsAtTheLimitsCompileAndGenerate() throws Throwable {
        String atLimits = "attention a(w: int) {\n"
                + "  score = " + repeat("(", Limits.NESTING - 10) + "score" + repeat(")", Limits.NESTING - 10)
                + repeat(" + 1.0", Limits.DEPTH - Limits.NESTING - 10) + "\n"
                + "  mask = {\n    let x = q - kv" + repeat(" + w", Limits.DEPTH / 2 - 5) + "\n"
                + "    x" + repeat(" - 1", Limits.DEPTH / 2 - 10) + " >= 0\n  }\n}\n";
        FrontEndRun.onSmallStack(() -> {
            Compilation c = FrontEndRun.compile("limits.attn", atLimits);
            assertEquals(List.of(), c.diagnostics());
            var a = c.optimized("a");
            JavaKernelGenerator.generate(a, "float32", 64, new TilePlan(64, 64, 1));
            OpenClCodegen.generate(a, Storage.F32, 64, new TilePlan(16, 16, 1));
            return null;
        });
    }

    @Test
    void everyFiniteFloatLiteralAndTheSmallestIntAreAccepted() throws Throwable {
        Compilation c = FrontEndRun.compile("lits.attn", "const LO = -2147483648\nconst BIG = 3.4028235e38\n"
                + "attention a { score = score + BIG * 0.0\n mask = q - kv > LO }\n");
        assertEquals(List.of(), c.diagnostics());
        assertEquals(new Expr.IntConst(Integer.MIN_VALUE), ((Expr.Binary) c.lowered("a").mask()).right());
        assertEquals(List.of("syntax.bad-float"), keys("attention a { score = score + 3.5e38 }\n"));
        assertEquals(List.of("syntax.int-too-large"), keys("attention a { mask = q > 2147483648 }\n"));
        assertEquals(List.of("syntax.int-too-large"), keys("attention a { mask = q - 2147483648 > 0 }\n"));
        assertEquals(List.of("syntax.int-too-large"), keys("attention a { mask = q > -2147483649 }\n"));
    }

    @Test
    void divisionByZeroInAConstIsThatError() throws Throwable {
        assertEquals(List.of("arith.division-by-zero"), keys("const A = 1 / 0\nattention a { mask = q >= A }\n"));
        assertEquals(List.of("arith.division-by-zero"), keys("const A = 7 % (3 - 3)\nattention a { mask = q >= A }\n"));
    }

    @Test
    void shapeDimensionsAreThirtyTwoBitAndPositive() throws Throwable {
        assertEquals(List.of("type.shape-dimension-range"), keys("attention a(t: float[2147483647 * 2]) { score = score + t[0] }\n"));
        assertEquals(List.of("type.shape-dimension-range"), keys("attention a(t: float[0]) { score = score + t[0] }\n"));
        assertEquals(List.of("type.shape-dimension-range"), keys("attention a(t: float[65536 * 65536 * 65536 * 65536 * 65536]) { score = score + t[0] }\n"));
        assertEquals(List.of("type.shape-dimension-range"), keys("attention a(t: float[Q_LEN * 65536 * 65536]) { score = score + t[0] }\n"));
        assertEquals(List.of(), keys("attention a(t: float[2147483647, 2 * Q_LEN - 1]) { score = score + t[0, q] }\n"));
        assertFalse(keys("const N = 2147483647 + 1\nattention a(t: float[N]) { score = score + t[0] }\n").isEmpty(), "a const that wrapped negative");
    }
}
