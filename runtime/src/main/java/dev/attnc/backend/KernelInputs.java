package dev.attnc.backend;

import java.util.Map;
import dev.attnc.compiler.codegen.c.ParamArg;
import dev.attnc.DType;
import dev.attnc.AttnInputException;
import dev.attnc.Inputs;
import dev.attnc.Tensor;
import dev.attnc.kernel.Sizes;
import dev.attnc.compiler.ir.Expr;
import dev.attnc.compiler.ir.ParamDecl;
import dev.attnc.compiler.passes.RangeAnalysis;
import java.util.Arrays;

/**
 * What a kernel assumes of a call, checked before any buffer reaches the device (where a wrong
 * shape is a read out of bounds, not an exception): the storage dtype and head dimension it was
 * compiled for, Q, K, V and tensor arguments of the shapes the sizes give, sizes within
 * the backend's limit (which its kernels' int arithmetic relies on). Shared by the device backends.
 */
public final class KernelInputs {
    private KernelInputs() {}

    /** @param backend its name in messages; @param sizeLimit the largest size (and B·H) its kernels' int arithmetic allows */
    public static void check(KernelRequest request, RunInputs in, String backend, long sizeLimit) {
        Sizes s = Inputs.withinBounds(in.sizes());
        for (Tensor t : new Tensor[] {in.q(), in.k(), in.v()}) {
            if (t.dtype() != request.dtype()) {
                throw new AttnInputException("this kernel was compiled for " + request.dtype().displayName() + " Q, K and V, but got "
                        + t.dtype().displayName());
            }
        }
        if (s.D() != request.headDim()) {
            throw new AttnInputException("this kernel was compiled for head dimension D = " + request.headDim() + ", but D is " + s.D());
        }
        if (s.DV() != request.valueDim()) {
            throw new AttnInputException("this kernel was compiled for value dimension DV = " + request.valueDim()
                    + " (V's and O's last dimension), but V's is " + s.DV());
        }
        long largest = Math.max(Math.max((long) s.B() * s.H(), s.Q_LEN()), Math.max(s.KV_LEN(), Math.max(s.D(), s.DV())));
        if (largest > sizeLimit) {
            throw new AttnInputException("the " + backend + " backend takes sizes (and B·H) up to " + sizeLimit + ", but got B=" + s.B()
                    + " H=" + s.H() + " Q_LEN=" + s.Q_LEN() + " KV_LEN=" + s.KV_LEN() + " D=" + s.D() + " DV=" + s.DV());
        }
        shape("Q", in.q(), s.B(), s.H(), s.Q_LEN(), s.D());
        shape("K", in.k(), s.B(), s.H_KV(), s.KV_LEN(), s.D());
        shape("V", in.v(), s.B(), s.H_KV(), s.KV_LEN(), s.DV());
        for (ParamDecl p : request.attention().params()) {
            if (p instanceof ParamDecl.Tensor t && in.tensors().get(t.name()) != null) {
                long[] want = t.tensor().dims().stream().mapToLong(d -> dim(d, s)).toArray();
                shape("tensor argument '" + t.name() + "'", in.tensors().get(t.name()), want);
            }
        }
    }

    private static void shape(String what, Tensor t, long... want) {
        if (!Arrays.equals(t.shape(), want)) {
            throw new AttnInputException(what + " must have shape " + Tensor.shapeString(want) + ", but has shape " + t.shapeString());
        }
    }

    /** A tensor dimension (a polynomial over the sizes) at these sizes. */
    private static long dim(Expr d, Sizes s) {
        return RangeAnalysis.dimension(d).eval(s.asMap());
    }

    /**
     * A tensor argument as device kernels read it: int32, float32 or one byte per bool, converted
     * from another dtype of its kind (float16 bias, int64 ids).
     */
    public static Tensor deviceTensor(ParamArg p, Map<String, Tensor> tensors) {
        Tensor t = tensors.get(p.name());
        if (t == null) throw new AttnInputException("missing tensor argument '" + p.name() + "'");
        if (t.elementCount() == 0) throw new AttnInputException("tensor argument '" + p.name() + "' is empty");
        DType want = switch (p.kind()) {
            case INT_TENSOR -> DType.I32;
            case FLOAT_TENSOR -> DType.F32;
            default -> DType.BOOL;
        };
        return t.dtype() == want ? t.contiguous() : t.convert(want);
    }

    /** A scalar argument as device kernels take it: an Integer (ints, and bools as 0 or 1) or a Float. */
    public static Object deviceScalar(ParamArg p, Map<String, Object> scalars) {
        Object x = scalars.get(p.name());
        if (x == null) throw new AttnInputException("missing argument '" + p.name() + "'");
        return switch (p.kind()) {
            case INT -> ((Number) x).intValue();
            case FLOAT -> ((Number) x).floatValue();
            case BOOL -> ((Boolean) x) ? 1 : 0;
            default -> throw new AssertionError(p.kind());
        };
    }

    /**
     * The call's block plan, checked against the kernel's tiles; without one, the dense plan under
     * those tiles (every tile FULL when the mask keeps every pair, else PARTIAL).
     */
    public static dev.attnc.kernel.BlockPlan plan(KernelRequest request, RunInputs in, dev.attnc.compiler.plan.TilePlan tiles) {
        Sizes s = in.sizes();
        dev.attnc.kernel.BlockPlan plan = in.plan() != null ? in.plan()
                : dev.attnc.kernel.BlockPlan.dense(tiles.blockM(), tiles.blockN(), s.Q_LEN(), s.KV_LEN(),
                        request.attention().mask() instanceof Expr.BoolConst c && c.value());
        plan.checkFits(tiles.blockM(), tiles.blockN(), s);
        return plan;
    }
}
