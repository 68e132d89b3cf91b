package dev.attnc.compiler.codegen.opencl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnc.compiler.TestPrograms;
import dev.attnc.compiler.codegen.KernelSignature;
import dev.attnc.compiler.codegen.c.Dialect;
import dev.attnc.compiler.codegen.c.Storage;
import dev.attnc.compiler.ir.Attention;
import dev.attnc.compiler.plan.TilePlan;
import dev.attnc.testkit.Golden;
import dev.attnc.testkit.Repo;
import java.util.List;
import java.util.regex.Matcher;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/** The generated backward OpenCL C: one golden, and properties of every sample's program. */
class OpenClBackwardCodegenTest {
    static final TilePlan TILES = new TilePlan(32, 16, 1);

    @Test
    void golden() {
        String text = OpenClBackwardCodegen.generate(TestPrograms.sample("relative_bias"), Storage.F32, 64, TILES).source();
        Golden.check("tests/golden/kernels/relative_bias.opencl_backward.cl", text);
    }

    @TestFactory
    Stream<DynamicTest> everySampleDeclaresItsSignaturesWithSinglePrecisionLiterals() {
        return Repo.samples().stream().flatMap(p -> Stream.of(Storage.values()).map(s -> DynamicTest.dynamicTest(
                Repo.stem(p) + " " + s.word, () -> {
                    OpenClBackwardKernel k = OpenClBackwardCodegen.generate(TestPrograms.sample(p), s, 64, TILES);
                    String element = s.elementType(Dialect.OPENCL);
                    for (var e : List.of(java.util.Map.entry(OpenClBackwardKernel.DELTA, k.delta()),
                            java.util.Map.entry(OpenClBackwardKernel.DKDV, k.dkdv()), java.util.Map.entry(OpenClBackwardKernel.DQ, k.dq()),
                            java.util.Map.entry(OpenClBackwardKernel.REDUCE, k.reduce()))) {
                        assertEquals(e.getValue().declarations(Dialect.OPENCL, element),
                                KernelSignature.printedParameters(k.source(), e.getKey()), e.getKey());
                    }
                    String code = k.source().replaceAll("//[^\n]*", "");
                    Matcher m = OpenClCodegenTest.DOUBLE_LITERAL.matcher(code);
                    assertFalse(m.find(), () -> "double literal " + m.group() + " in\n" + k.source());
                })));
    }

    /** Names the user chose reach the source only inside mangled identifiers; the attention's name not at all. */
    @Test
    void noUserTextButMangledNames() {
        Attention a = TestPrograms.optimized("""
                attention Zqxname(Wtable: float[H, 9], Wscalar: float = 0.5) {
                    score = score * Wscalar + Wtable[h, clamp(kv - q + 4, 0, 8)]
                }
                """);
        String text = OpenClBackwardCodegen.generate(a, Storage.F16, 32, TILES).source();
        assertFalse(text.contains("Zqxname"), text);
        assertEquals(text.split("Wtable", -1).length - 1, text.split("p0_Wtable", -1).length - 1, text);
        assertEquals(text.split("Wscalar", -1).length - 1, text.split("p1_Wscalar", -1).length - 1, text);
        assertTrue(text.contains("grad_p0_Wtable") && text.contains("grad_p1_Wscalar"), text);
    }
}
