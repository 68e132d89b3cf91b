package dev.attnc.compiler.sparsity;

import dev.attnc.compiler.interp.Bindings;
import dev.attnc.kernel.Sizes;
import dev.attnc.compiler.interp.TensorData;
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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Random mask programs for property tests, with random sizes and arguments. Ints over q, kv, b, h,
 * small and huge constants, sizes and a parameter, through + - * / % min max abs select and reads
 * of int, bool, float and 2-D tensors; bools through comparisons, && || ! == != and selects; now
 * and then float math (exp, float division) that only brute force can plan. The affine flavour
 * draws only what {@link MaskClass#AFFINE} covers.
 */
final class RandomMasks {
    static final TensorParam DOC = new TensorParam("doc", Type.INT, List.of(new Size(SizeName.KV_LEN)));
    static final TensorParam SMALL = new TensorParam("small", Type.INT, List.of(new IntConst(7)));
    static final TensorParam FLAGS = new TensorParam("flags", Type.BOOL, List.of(new IntConst(9)));
    static final TensorParam WEIGHTS = new TensorParam("weights", Type.FLOAT, List.of(new Size(SizeName.KV_LEN)));
    static final TensorParam TABLE = new TensorParam("table", Type.INT, List.of(new IntConst(3), new IntConst(6)));
    static final List<ParamDecl> PARAMS = List.of(
            new ParamDecl.Scalar("p", Type.INT, null), new ParamDecl.Scalar("flag", Type.BOOL, null),
            new ParamDecl.Scalar("x", Type.FLOAT, null), new ParamDecl.Tensor(DOC), new ParamDecl.Tensor(SMALL),
            new ParamDecl.Tensor(FLAGS), new ParamDecl.Tensor(WEIGHTS), new ParamDecl.Tensor(TABLE));

    private final Random rnd;
    private final boolean affine;

    RandomMasks(Random rnd, boolean affine) {
        this.rnd = rnd;
        this.affine = affine;
    }

    Attention attention(int depth) {
        return new Attention("random", PARAMS, new Score(), bool(depth));
    }

    static Sizes sizes(Random rnd) {
        return new Sizes(1 + rnd.nextInt(2), 1 + rnd.nextInt(3), 1, 1 + rnd.nextInt(37), 1 + rnd.nextInt(37), 1);
    }

    static int block(Random rnd) {
        return new int[] {1, 2, 3, 4, 4, 5, 8, 16}[rnd.nextInt(8)];
    }

    /** Arguments for {@link #PARAMS}: doc ids sorted or not, a few NaN and infinite weights. */
    static Bindings bindings(Random rnd, Sizes s) {
        Map<String, Object> scalars = Map.of("p", rnd.nextInt(25) - 4, "flag", rnd.nextBoolean(), "x", rnd.nextGaussian());
        Map<String, TensorData> tensors = new HashMap<>();
        double[] doc = new double[s.KV_LEN()];
        boolean sorted = rnd.nextBoolean();
        for (int i = 0, id = 0; i < doc.length; i++) {
            if (rnd.nextInt(6) == 0) id++;
            doc[i] = sorted ? id : rnd.nextInt(4);
        }
        tensors.put("doc", TensorData.of(doc, doc.length));
        tensors.put("small", TensorData.of(ints(rnd, 7, -5, 5), 7));
        tensors.put("flags", TensorData.of(ints(rnd, 9, 0, 1), 9));
        double[] w = new double[s.KV_LEN()];
        for (int i = 0; i < w.length; i++) {
            int pick = rnd.nextInt(40);
            w[i] = pick == 0 ? Double.NaN : pick == 1 ? Double.POSITIVE_INFINITY : pick == 2 ? Double.NEGATIVE_INFINITY : rnd.nextGaussian();
        }
        tensors.put("weights", TensorData.of(w, w.length));
        tensors.put("table", TensorData.of(ints(rnd, 18, -3, 12), 3, 6));
        return new Bindings(scalars, tensors);
    }

    private static double[] ints(Random rnd, int n, int lo, int hi) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) v[i] = lo + rnd.nextInt(hi - lo + 1);
        return v;
    }

    Expr bool(int depth) {
        int pick = rnd.nextInt(depth <= 0 ? 3 : affine ? 9 : 12);
        return switch (pick) {
            case 0 -> compare(depth);
            case 1 -> compare(depth);
            case 2 -> rnd.nextInt(4) == 0 ? new BoolConst(rnd.nextBoolean()) : rnd.nextBoolean() ? new Param("flag", Type.BOOL) : compare(depth);
            case 3 -> new Binary(BinaryOp.AND, bool(depth - 1), bool(depth - 1));
            case 4 -> new Binary(BinaryOp.OR, bool(depth - 1), bool(depth - 1));
            case 5 -> new Unary(UnaryOp.NOT, bool(depth - 1));
            case 6 -> new Binary(rnd.nextBoolean() ? BinaryOp.EQ : BinaryOp.NE, bool(depth - 1), bool(depth - 1));
            case 7 -> new Select(bool(depth - 1), bool(depth - 1), bool(depth - 1));
            case 8 -> compare(depth);
            case 9 -> new Load(FLAGS, List.of(integer(depth - 1)), true);
            case 10 -> new Binary(comparison(), real(depth - 1), real(depth - 1));
            default -> compare(depth);
        };
    }

    private Expr compare(int depth) {
        return new Binary(comparison(), integer(depth - 1), integer(depth - 1));
    }

    private BinaryOp comparison() {
        return List.of(BinaryOp.LT, BinaryOp.LE, BinaryOp.GT, BinaryOp.GE, BinaryOp.EQ, BinaryOp.NE).get(rnd.nextInt(6));
    }

    Expr integer(int depth) {
        if (depth <= 0 || rnd.nextInt(4) == 0) return leaf();
        int pick = rnd.nextInt(affine ? 9 : 16);
        return switch (pick) {
            case 0, 1 -> new Binary(BinaryOp.ADD, integer(depth - 1), integer(depth - 1));
            case 2 -> new Binary(BinaryOp.SUB, integer(depth - 1), integer(depth - 1));
            case 3 -> affine ? new Binary(BinaryOp.MUL, integer(depth - 1), constant()) : new Binary(BinaryOp.MUL, integer(depth - 1), integer(depth - 1));
            case 4 -> new Unary(UnaryOp.NEG, integer(depth - 1));
            case 5 -> new Unary(UnaryOp.ABS, integer(depth - 1));
            case 6 -> new Binary(rnd.nextBoolean() ? BinaryOp.MIN : BinaryOp.MAX, integer(depth - 1), integer(depth - 1));
            case 7 -> new Select(bool(depth - 1), integer(depth - 1), integer(depth - 1));
            case 8 -> leaf();
            case 9 -> new Binary(BinaryOp.FLOOR_DIV, integer(depth - 1), rnd.nextBoolean() ? constant() : integer(depth - 1));
            case 10 -> new Binary(BinaryOp.FLOOR_MOD, integer(depth - 1), rnd.nextBoolean() ? constant() : integer(depth - 1));
            case 11 -> new Binary(rnd.nextBoolean() ? BinaryOp.TRUNC_DIV : BinaryOp.TRUNC_MOD, integer(depth - 1), integer(depth - 1));
            case 12 -> new Load(rnd.nextBoolean() ? DOC : SMALL, List.of(integer(depth - 1)), true);
            case 13 -> new Load(TABLE, List.of(integer(depth - 1), integer(depth - 1)), true);
            case 14 -> new Unary(rnd.nextBoolean() ? UnaryOp.FLOOR : UnaryOp.TO_INT, real(depth - 1));
            default -> new Binary(BinaryOp.FLOOR_DIV, integer(depth - 1), integer(depth - 1));
        };
    }

    private Expr real(int depth) {
        if (depth <= 0) return rnd.nextBoolean() ? new FloatConst(rnd.nextInt(7) - 3 + 0.5) : new Param("x", Type.FLOAT);
        return switch (rnd.nextInt(10)) {
            case 0, 1 -> new Unary(UnaryOp.TO_FLOAT, integer(depth - 1));
            case 2 -> new Load(WEIGHTS, List.of(integer(depth - 1)), true);
            case 3 -> new Binary(rnd.nextBoolean() ? BinaryOp.ADD : BinaryOp.SUB, real(depth - 1), real(depth - 1));
            case 4 -> new Binary(BinaryOp.MUL, real(depth - 1), real(depth - 1));
            case 5 -> new Binary(rnd.nextBoolean() ? BinaryOp.MIN : BinaryOp.MAX, real(depth - 1), real(depth - 1));
            case 6 -> new Unary(rnd.nextBoolean() ? UnaryOp.NEG : UnaryOp.ABS, real(depth - 1));
            case 7 -> new Select(bool(depth - 1), real(depth - 1), real(depth - 1));
            // float math that only brute force plans
            case 8 -> new Unary(rnd.nextBoolean() ? UnaryOp.EXP : UnaryOp.TANH, real(depth - 1));
            default -> new Binary(rnd.nextBoolean() ? BinaryOp.DIV : BinaryOp.FLOOR_MOD, real(depth - 1), real(depth - 1));
        };
    }

    private Expr leaf() {
        return switch (rnd.nextInt(affine ? 8 : 10)) {
            case 0, 1 -> new Index(Axis.Q);
            case 2, 3 -> new Index(Axis.KV);
            case 4 -> constant();
            case 5 -> new Size(List.of(SizeName.Q_LEN, SizeName.KV_LEN, SizeName.B, SizeName.H).get(rnd.nextInt(4)));
            case 6 -> new Param("p", Type.INT);
            case 7 -> new Index(rnd.nextBoolean() ? Axis.B : Axis.H);
            default -> rnd.nextBoolean() ? new Index(Axis.B) : new Index(Axis.H);
        };
    }

    /** Mostly small, now and then huge, so that ints wrap around. */
    private Expr constant() {
        return switch (rnd.nextInt(12)) {
            case 0 -> new IntConst(1 << 30);
            case 1 -> new IntConst(Integer.MIN_VALUE);
            case 2 -> new IntConst(Integer.MAX_VALUE);
            default -> new IntConst(rnd.nextInt(11) - 3);
        };
    }
}
