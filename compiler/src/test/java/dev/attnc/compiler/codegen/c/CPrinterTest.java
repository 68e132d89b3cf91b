package dev.attnc.compiler.codegen.c;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnc.compiler.ir.Attention;
import dev.attnc.compiler.ir.Axis;
import dev.attnc.compiler.ir.BinaryOp;
import dev.attnc.compiler.ir.Expr;
import dev.attnc.compiler.ir.Expr.*;
import dev.attnc.compiler.ir.ParamDecl;
import dev.attnc.kernel.SizeName;
import dev.attnc.compiler.ir.TensorParam;
import dev.attnc.compiler.ir.Type;
import dev.attnc.compiler.ir.UnaryOp;
import dev.attnc.compiler.passes.RangeAnalysis;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** How each IR operation prints, in both dialects: the meaning of ir.Semantics, spelled in C. */
class CPrinterTest {
    static final Param N = new Param("n", Type.INT);
    static final Param F = new Param("f", Type.FLOAT);
    static final Param FLAG = new Param("flag", Type.BOOL);
    static final TensorParam TABLE = new TensorParam("table", Type.FLOAT,
            List.of(new Size(SizeName.H), new Binary(BinaryOp.SUB, new Binary(BinaryOp.MUL, new IntConst(2), new Size(SizeName.KV_LEN)), new IntConst(1))));
    static final TensorParam MASK = new TensorParam("keep", Type.BOOL, List.of(new Size(SizeName.KV_LEN)));
    static final Attention A = new Attention("t", List.of(new ParamDecl.Scalar("n", Type.INT, null),
            new ParamDecl.Scalar("f", Type.FLOAT, 1.0), new ParamDecl.Scalar("flag", Type.BOOL, true),
            new ParamDecl.Tensor(TABLE), new ParamDecl.Tensor(MASK)), new Score(), new BoolConst(true));
    static final Index Q = new Index(Axis.Q), KV = new Index(Axis.KV), H = new Index(Axis.H);

    static String print(Dialect d, Expr e) {
        return new CPrinter(d, new Names(A), RangeAnalysis.analyze(e), false).inline(e);
    }

    static String cl(Expr e) {
        return print(Dialect.OPENCL, e);
    }

    static Binary bin(BinaryOp op, Expr l, Expr r) {
        return new Binary(op, l, r);
    }

    @Test
    void leaves() {
        assertEquals("q", cl(Q));
        assertEquals("HEAD_DIM", cl(new Size(SizeName.D)));
        assertEquals("p0_n", cl(N));
        assertEquals("(p2_flag != 0)", cl(FLAG));
        assertEquals("(-2147483647 - 1)", cl(new IntConst(Integer.MIN_VALUE)));
        assertEquals("(-3)", cl(new IntConst(-3)));
        assertEquals("0.1f", cl(new FloatConst(0.1)));
        assertEquals("INFINITY", cl(new FloatConst(Double.POSITIVE_INFINITY)));
        assertEquals("__int_as_float(0x7f800000)", print(Dialect.CUDA, new FloatConst(Double.POSITIVE_INFINITY)));
    }

    @Test
    void intArithmeticIsPlainWhereRangesProveItFitsAndWrapsElsewhere() {
        assertEquals("(q - kv)", cl(bin(BinaryOp.SUB, Q, KV)));
        assertEquals("(as_int((uint)p0_n * (uint)q))", cl(bin(BinaryOp.MUL, N, Q)));
        assertEquals("((int)((unsigned int)p0_n + (unsigned int)1))", print(Dialect.CUDA, bin(BinaryOp.ADD, N, new IntConst(1))));
        assertEquals("(as_int(0u - (uint)p0_n))", cl(new Unary(UnaryOp.NEG, N)));
        // Q_LEN * KV_LEN can pass 2^31 with sizes within the limit
        assertEquals("(as_int((uint)Q_LEN * (uint)KV_LEN))", cl(bin(BinaryOp.MUL, new Size(SizeName.Q_LEN), new Size(SizeName.KV_LEN))));
    }

    @Test
    void divisionUsesHelpersUnlessTheDivisorIsProvenPositive() {
        assertEquals("(attn_floordiv(q, p0_n))", cl(bin(BinaryOp.FLOOR_DIV, Q, N)));
        assertEquals("(attn_floormod(kv, p0_n))", cl(bin(BinaryOp.FLOOR_MOD, KV, N)));
        Expr qMinusKv = bin(BinaryOp.SUB, Q, KV);
        assertEquals("(attn_floordiv_pos((q - kv), 8))", cl(bin(BinaryOp.FLOOR_DIV, qMinusKv, new IntConst(8))));
        assertEquals("(attn_floormod_pos((q - kv), KV_LEN))", cl(bin(BinaryOp.FLOOR_MOD, qMinusKv, new Size(SizeName.KV_LEN))));
        assertEquals("(q / 8)", cl(bin(BinaryOp.TRUNC_DIV, Q, new IntConst(8))));
        assertEquals("(q % 8)", cl(bin(BinaryOp.TRUNC_MOD, Q, new IntConst(8))));
        assertEquals("(attn_truncdiv(q, p0_n))", cl(bin(BinaryOp.TRUNC_DIV, Q, N)));
        assertEquals("(attn_truncmod(q, (-2)))", cl(bin(BinaryOp.TRUNC_MOD, Q, new IntConst(-2))));
        assertEquals("(attn_fmod(p1_f, 0.5f))", cl(bin(BinaryOp.FLOOR_MOD, F, new FloatConst(0.5))));
    }

    @Test
    void conversionsAndFunctions() {
        assertEquals("(attn_f2i(p1_f))", cl(new Unary(UnaryOp.TO_INT, F)));
        assertEquals("(attn_f2i(floor(p1_f)))", cl(new Unary(UnaryOp.FLOOR, F)));
        assertEquals("(attn_f2i(ceilf(p1_f)))", print(Dialect.CUDA, new Unary(UnaryOp.CEIL, F)));
        assertEquals("((float)q)", cl(new Unary(UnaryOp.TO_FLOAT, Q)));
        assertEquals("(as_int(abs(p0_n)))", cl(new Unary(UnaryOp.ABS, N)));
        assertEquals("(fabs(p1_f))", cl(new Unary(UnaryOp.ABS, F)));
        assertEquals("(1.0f / (1.0f + exp(-p1_f)))", cl(new Unary(UnaryOp.SIGMOID, F)));
        assertEquals("(1.0f / (1.0f + expf(-p1_f)))", print(Dialect.CUDA, new Unary(UnaryOp.SIGMOID, F)));
        assertEquals("(tanhf(p1_f))", print(Dialect.CUDA, new Unary(UnaryOp.TANH, F)));
        assertEquals("(attn_fmin(p1_f, 2.0f))", cl(bin(BinaryOp.MIN, F, new FloatConst(2))));
        assertEquals("(max(q, kv))", cl(bin(BinaryOp.MAX, Q, KV)));
        assertEquals("(p2_flag != 0) ? q : kv", new CPrinter(Dialect.OPENCL, new Names(A), Map.of(), false)
                .rhs(new Select(FLAG, Q, KV), e -> { throw new AssertionError(); }));
    }

    @Test
    void fastMathPicksTheNativeFunctionsOnlyWhereTheDialectHasThem() {
        CPrinter fast = new CPrinter(Dialect.OPENCL, new Names(A), Map.of(), true);
        assertEquals("(native_exp(p1_f))", fast.inline(new Unary(UnaryOp.EXP, F)));
        assertEquals("(tanh(p1_f))", fast.inline(new Unary(UnaryOp.TANH, F)));
    }

    @Test
    void loadsAreFlatAndClampedWhileMarkedClamped() {
        Expr index = bin(BinaryOp.SUB, KV, Q);
        assertEquals("(p3_table[(clamp(h, 0, H - 1)) * ((2 * KV_LEN) - 1) + clamp((kv - q), 0, ((2 * KV_LEN) - 1) - 1)])",
                cl(new Load(TABLE, List.of(H, index), true)));
        assertEquals("(p3_table[(min(max(h, 0), H - 1)) * ((2 * KV_LEN) - 1) + min(max((kv - q), 0), ((2 * KV_LEN) - 1) - 1)])",
                print(Dialect.CUDA, new Load(TABLE, List.of(H, index), true)));
        assertEquals("(p3_table[h * ((2 * KV_LEN) - 1) + kv])", cl(new Load(TABLE, List.of(H, KV), false)));
        assertEquals("((p4_keep[kv] != 0))", cl(new Load(MASK, List.of(KV), false)));
    }

    @Test
    void everySizePolynomialThatIsLinearAndSmallIsBounded() {
        assertTrue(CPrinter.bounded(new dev.attnc.compiler.ir.Poly(Map.of("Q_LEN", 1L, "KV_LEN", 1L, "", 29L))));
        assertTrue(!CPrinter.bounded(new dev.attnc.compiler.ir.Poly(Map.of("KV_LEN*Q_LEN", 1L))));
        assertTrue(!CPrinter.bounded(new dev.attnc.compiler.ir.Poly(Map.of("Q_LEN", 200L))));
    }
}
