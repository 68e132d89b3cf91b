package dev.attnc.compiler.codegen.opencl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnc.compiler.Compilation;
import dev.attnc.compiler.TestPrograms;
import dev.attnc.compiler.codegen.c.Storage;
import dev.attnc.compiler.diag.SourceFile;
import dev.attnc.compiler.ir.Attention;
import dev.attnc.compiler.ir.BinaryOp;
import dev.attnc.compiler.ir.Expr;
import dev.attnc.compiler.ir.ParamDecl;
import dev.attnc.compiler.ir.TensorParam;
import dev.attnc.compiler.ir.Type;
import dev.attnc.kernel.SizeName;
import dev.attnc.compiler.plan.TilePlan;
import dev.attnc.testkit.Golden;
import dev.attnc.testkit.Repo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The generated OpenCL C: golden files for three samples (regenerate with
 * {@code -Dattnc.golden.update=true} and read the diff), and properties of every sample's kernel.
 */
class OpenClCodegenTest {
    static final TilePlan TILES = new TilePlan(32, 32, 1);
    /** A decimal literal with a '.' or an exponent and no 'f' after it: a double in C. */
    static final Pattern DOUBLE_LITERAL = Pattern.compile("(?<![\\w.])(\\d+\\.\\d*|\\.\\d+|\\d+(?=[eE]))([eE][-+]?\\d+)?(?![\\w.])");

    static List<Path> samples() {
        return Repo.samples();
    }

    static Attention sample(Path p) {
        return TestPrograms.sample(p);
    }

    @TestFactory
    Stream<DynamicTest> golden() {
        return Stream.of("alibi", "document_causal", "t5_bias").map(name -> DynamicTest.dynamicTest(name, () -> {
            String text = OpenClCodegen.generate(TestPrograms.sample(name), Storage.F32, 64, TILES).source();
            Golden.check("compiler/src/test/resources/golden/opencl/" + name + ".cl", text);
        }));
    }

    @TestFactory
    Stream<DynamicTest> everySampleHasOnlySinglePrecisionLiterals() throws IOException {
        return samples().stream().flatMap(p -> Stream.of(Storage.values()).map(s -> DynamicTest.dynamicTest(p.getFileName() + " " + s.word, () -> {
            String text = OpenClCodegen.generate(sample(p), s, 64, TILES).source();
            String code = text.replaceAll("//[^\n]*", ""); // comments may say "1.0"
            Matcher m = DOUBLE_LITERAL.matcher(code);
            assertFalse(m.find(), () -> "double literal " + m.group() + " in\n" + text);
            assertTrue(code.contains("__kernel"));
        })));
    }

    @Test
    void theDoubleLiteralCheckFindsDoubles() {
        assertTrue(DOUBLE_LITERAL.matcher("x = 1.5 * y").find());
        assertTrue(DOUBLE_LITERAL.matcher("x = 2e5").find());
        assertTrue(DOUBLE_LITERAL.matcher("x = .5").find());
        assertFalse(DOUBLE_LITERAL.matcher("x = 1.5f * t12 + 3.0E-5f").find());
    }

    @Test
    void storageDecidesTheElementTypeAndConversions() throws IOException {
        Attention a = TestPrograms.sample("causal");
        String f16 = OpenClCodegen.generate(a, Storage.F16, 64, TILES).source();
        assertTrue(f16.contains("__global const half* restrict Q") && f16.contains("vload_half(q_base + d, Q)")
                && f16.contains("vstore_half_rte(acc[d] * inv, o_base + d, O)"), f16);
        assertFalse(f16.contains("cl_khr_fp16"), "fp16 storage needs no extension");
        String bf16 = OpenClCodegen.generate(a, Storage.BF16, 128, new TilePlan(16, 8, 1)).source();
        assertTrue(bf16.contains("__global const ushort* restrict Q") && bf16.contains("attn_bf16_to_float(K[")
                && bf16.contains("O[o_base + d] = attn_float_to_bf16(acc[d] * inv);"), bf16);
        assertTrue(bf16.contains("#define HEAD_DIM 128") && bf16.contains("#define BLOCK_M 16") && bf16.contains("#define BLOCK_N 8"));
    }

    /** A name from outside (the IR can be built without the parser) reaches the text only as an identifier. */
    @Test
    void hostileNamesCannotInjectCode() {
        String evil = "x) { } __kernel void evil(__global int* p) { p[0] = 1; } //\n#define";
        TensorParam t = new TensorParam(evil + "t", Type.FLOAT, List.of(new Expr.Size(SizeName.H)));
        Expr score = new Expr.Binary(BinaryOp.ADD, new Expr.Score(),
                new Expr.Binary(BinaryOp.MUL, new Expr.Param(evil, Type.FLOAT), new Expr.Load(t, List.of(new Expr.Index(dev.attnc.compiler.ir.Axis.H)), false)));
        Attention a = new Attention("*/ evil\n#include <x>", List.of(new ParamDecl.Scalar(evil, Type.FLOAT, 1.0), new ParamDecl.Tensor(t)),
                score, new Expr.BoolConst(true));
        OpenClKernel k = OpenClCodegen.generate(a, Storage.F32, 64, TILES);
        assertFalse(k.source().contains("evil("), k.source());
        assertFalse(k.source().contains("#include"), k.source());
        assertFalse(k.source().contains("p[0] = 1") || k.source().contains("__global int* p"), k.source());
        assertEquals("attnc____evil__include__x_", k.entry());
        assertEquals(List.of("p0_x________kernel_void_evil___global_int__", "p1_x________kernel_void_evil___global_int__"),
                k.signature().params().stream().map(p -> p.identifier()).toList());
    }
}
