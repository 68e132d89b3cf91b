package dev.attnc.backend.opencl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import dev.attnc.Tensor;
import dev.attnc.compiler.codegen.c.CHelpers;
import dev.attnc.compiler.codegen.c.CPrinter;
import dev.attnc.compiler.codegen.c.Dialect;
import dev.attnc.compiler.codegen.c.Names;
import dev.attnc.compiler.interp.Bindings;
import dev.attnc.compiler.interp.Evaluator;
import dev.attnc.kernel.Sizes;
import dev.attnc.compiler.ir.Attention;
import dev.attnc.compiler.ir.Axis;
import dev.attnc.compiler.ir.BinaryOp;
import dev.attnc.compiler.ir.Expr;
import dev.attnc.compiler.ir.Expr.*;
import dev.attnc.compiler.ir.ParamDecl;
import dev.attnc.compiler.ir.TensorParam;
import dev.attnc.compiler.ir.Type;
import dev.attnc.compiler.ir.UnaryOp;
import dev.attnc.compiler.passes.RangeAnalysis;
import dev.attnc.ffm.opencl.ClBuffer;
import dev.attnc.ffm.opencl.ClContext;
import dev.attnc.ffm.opencl.ClKernel;
import dev.attnc.ffm.opencl.ClProgram;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The C printer's meaning, checked on the OpenCL compiler itself: each expression printed as C,
 * evaluated by the device at edge-case inputs (INT_MIN, -1, 0, NaN, ±inf, ±3e9 ...), must give
 * exactly what the reference evaluator gives (ints bit for bit; floats within float rounding).
 */
class CSemanticsTest {
    static final Param X = new Param("x", Type.INT), Y = new Param("y", Type.INT);
    static final Param U = new Param("u", Type.FLOAT);
    static final TensorParam T = new TensorParam("t", Type.INT, List.of(new IntConst(5)));
    static final Attention A = new Attention("probe", List.of(new ParamDecl.Scalar("x", Type.INT, null),
            new ParamDecl.Scalar("y", Type.INT, null), new ParamDecl.Scalar("u", Type.FLOAT, null), new ParamDecl.Tensor(T)),
            new Score(), new BoolConst(true));
    static final Index Q = new Index(Axis.Q), KV = new Index(Axis.KV);
    static final int[] INTS = {Integer.MIN_VALUE, Integer.MIN_VALUE + 1, -7, -3, -1, 0, 1, 2, 3, 7, Integer.MAX_VALUE};
    static final float[] FLOATS = {Float.NaN, Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY, -3e9f, 3e9f, -2.5f, -0.5f,
            0f, 0.5f, 2.5f, 2147483520f, -2147483648f};
    static final int[] TABLE = {10, 11, 12, 13, 14};

    static Binary bin(BinaryOp op, Expr l, Expr r) {
        return new Binary(op, l, r);
    }

    static Unary un(UnaryOp op, Expr x) {
        return new Unary(op, x);
    }

    static List<Expr> expressions() {
        List<Expr> e = new ArrayList<>();
        for (BinaryOp op : List.of(BinaryOp.ADD, BinaryOp.SUB, BinaryOp.MUL, BinaryOp.FLOOR_DIV, BinaryOp.FLOOR_MOD,
                BinaryOp.TRUNC_DIV, BinaryOp.TRUNC_MOD, BinaryOp.MIN, BinaryOp.MAX)) {
            e.add(bin(op, X, Y));
        }
        for (int c : new int[] {3, -3, 1, -1}) {
            e.add(bin(BinaryOp.FLOOR_DIV, X, new IntConst(c)));
            e.add(bin(BinaryOp.FLOOR_MOD, X, new IntConst(c)));
            e.add(bin(BinaryOp.TRUNC_DIV, X, new IntConst(c)));
            e.add(bin(BinaryOp.TRUNC_MOD, X, new IntConst(c)));
        }
        e.add(un(UnaryOp.NEG, X));
        e.add(un(UnaryOp.ABS, X));
        e.add(un(UnaryOp.TO_INT, U));
        e.add(un(UnaryOp.FLOOR, U));
        e.add(un(UnaryOp.CEIL, U));
        e.add(new Load(T, List.of(X), true));
        e.add(new Select(bin(BinaryOp.LT, X, Y), X, Y));
        e.add(new Select(bin(BinaryOp.AND, bin(BinaryOp.GE, Q, KV), bin(BinaryOp.NE, X, new IntConst(0))), new IntConst(1), new IntConst(2)));
        // proven in range: printed with plain C operators
        e.add(bin(BinaryOp.SUB, bin(BinaryOp.MUL, Q, new IntConst(3)), KV));
        e.add(bin(BinaryOp.FLOOR_MOD, bin(BinaryOp.SUB, Q, KV), new IntConst(3)));
        // floats: compared within rounding
        // (a float divisor from an int such as INT_MAX rounds in float but not in the double reference)
        e.add(bin(BinaryOp.FLOOR_MOD, U, new FloatConst(2.5)));
        e.add(bin(BinaryOp.FLOOR_MOD, U, new FloatConst(-0.75)));
        e.add(un(UnaryOp.SIGMOID, U));
        e.add(un(UnaryOp.TANH, U));
        e.add(bin(BinaryOp.MAX, U, new FloatConst(-1.25)));
        e.add(bin(BinaryOp.MIN, new FloatConst(0.0), bin(BinaryOp.MUL, U, new FloatConst(-0.0))));
        e.add(bin(BinaryOp.MAX, new FloatConst(-0.0), bin(BinaryOp.MUL, U, new FloatConst(0.0))));
        e.add(bin(BinaryOp.DIV, un(UnaryOp.TO_FLOAT, X), new FloatConst(3)));
        return e;
    }

    @Test
    void printedExpressionsMeanWhatTheEvaluatorMeans() {
        TestDevice.assumeAvailable();
        List<Expr> exprs = expressions();
        CPrinter printer = new CPrinter(Dialect.OPENCL, new Names(A), Map.of(), false);
        StringBuilder src = new StringBuilder(CHelpers.text(Dialect.OPENCL));
        src.append("__kernel void probe(__global const int* xs, __global const int* ys, __global const float* us, ")
                .append("__global const int* restrict p3_t, __global int* out) {\n")
                .append("  const int g = get_global_id(0);\n")
                .append("  const int p0_x = xs[g], p1_y = ys[g];\n  const float p2_u = us[g];\n")
                .append("  const int Q_LEN = 8, KV_LEN = 8, q = g % 7, kv = g % 5;\n");
        for (int i = 0; i < exprs.size(); i++) {
            Expr e = exprs.get(i);
            String c = new CPrinter(Dialect.OPENCL, new Names(A), RangeAnalysis.analyze(e), false).inline(e);
            src.append("  out[g * ").append(exprs.size()).append(" + ").append(i).append("] = ")
                    .append(e.type() == Type.FLOAT ? "as_int(" + c + ")" : "(int)(" + c + ")").append(";\n");
        }
        src.append("}\n");
        int n = INTS.length * INTS.length * FLOATS.length;
        int[] xs = new int[n], ys = new int[n];
        float[] us = new float[n];
        for (int g = 0; g < n; g++) {
            xs[g] = INTS[g % INTS.length];
            ys[g] = INTS[g / INTS.length % INTS.length];
            us[g] = FLOATS[g / (INTS.length * INTS.length)];
        }
        int[] out = run(src.toString(), xs, ys, us, n * exprs.size());
        Sizes sizes = new Sizes(1, 1, 1, 8, 8, 8);
        for (int g = 0; g < n; g++) {
            Bindings b = new Bindings(Map.of("x", xs[g], "y", ys[g], "u", (double) us[g]),
                    Map.of("t", Outputs.view(Tensor.ofInts(TABLE, TABLE.length))));
            Evaluator ev = new Evaluator(sizes, b).at(0, 0, g % 7, g % 5, 0);
            for (int i = 0; i < exprs.size(); i++) {
                Expr e = exprs.get(i);
                int got = out[g * exprs.size() + i];
                String where = "x=" + xs[g] + " y=" + ys[g] + " u=" + us[g] + ": " + printer.inline(e);
                if (e.type() == Type.FLOAT) {
                    double want = ev.evalFloat(e);
                    float f = Float.intBitsToFloat(got);
                    boolean ok = Double.isNaN(want) ? Float.isNaN(f)
                            : want == 0 ? Float.floatToIntBits(f) == Float.floatToIntBits((float) want) // the sign of zero too
                            // float rounding, relative to the input too: x - floor(x / y) * y cancels for large x
                            : want == f || Math.abs(f - want) <= 1e-6 * Math.max(1, Math.max(Math.abs(want), Float.isNaN(us[g]) ? 0 : Math.abs(us[g])));
                    if (!ok) fail(where + " gave " + f + ", the reference " + want);
                } else {
                    assertEquals((Integer) ev.eval(e), got, where);
                }
            }
        }
    }

    private static int[] run(String source, int[] xs, int[] ys, float[] us, int outLength) {
        try (ClContext ctx = ClContext.open(dev.attnc.ffm.opencl.OpenCl.devices().get(TestDevice.index()))) {
            ClProgram p = ctx.build(source, OpenClBackend.BUILD_OPTIONS);
            ClKernel k = p.kernel("probe");
            ClBuffer out = ctx.allocate(4L * outLength);
            k.setArg(0, ctx.upload(MemorySegment.ofArray(xs))).setArg(1, ctx.upload(MemorySegment.ofArray(ys)))
                    .setArg(2, ctx.upload(MemorySegment.ofArray(us))).setArg(3, ctx.upload(MemorySegment.ofArray(TABLE)))
                    .setArg(4, out);
            ctx.launch(k, new long[] {xs.length}, null);
            MemorySegment host = MemorySegment.ofArray(new int[outLength]);
            ctx.download(out, host);
            return host.toArray(ValueLayout.JAVA_INT);
        }
    }
}
