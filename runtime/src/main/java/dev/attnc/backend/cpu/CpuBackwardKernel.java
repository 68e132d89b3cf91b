package dev.attnc.backend.cpu;

import dev.attnc.Gradients;
import dev.attnc.Tensor;
import dev.attnc.backend.BackwardInputs;
import dev.attnc.backend.BackwardKernel;
import dev.attnc.backend.KernelRequest;
import dev.attnc.backend.RunInputs;
import dev.attnc.compiler.grad.Gradient;
import dev.attnc.compiler.ir.ParamDecl;
import dev.attnc.kernel.Sizes;
import dev.attnc.kernel.cpu.JavaBackwardArgs;
import dev.attnc.kernel.cpu.JavaBackwardKernel;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ForkJoinPool;

/**
 * A generated Java backward kernel ready to run: converts the memory of Q, K, V, O and dO to float32
 * once (LSE and dLSE are float32), keeping their layouts ({@link FloatOperands}), binds the
 * parameters as the forward does, runs the kernel on the backend's pool and returns dQ, dK and dV
 * in Q's dtype, laid out in memory as Q, K and V are, and each parameter's gradient in float32
 * and the parameter's shape (a scalar's as shape [1]). {@link Gradients#kernelNanos} is the
 * kernel's own time, conversions excluded.
 */
final class CpuBackwardKernel implements BackwardKernel {
    private final KernelRequest request;
    private final String source;
    private final JavaBackwardKernel kernel;
    private final ForkJoinPool pool;
    /** The parameters with a gradient, in declaration order. */
    private final List<String> withGradient;

    CpuBackwardKernel(KernelRequest request, String source, JavaBackwardKernel kernel, ForkJoinPool pool) {
        this.request = request;
        this.source = source;
        this.kernel = kernel;
        this.pool = pool;
        this.withGradient = Gradient.ofBackward(request.attention()).parameters();
    }

    @Override
    public String source() {
        return source;
    }

    @Override
    public KernelRequest request() {
        return request;
    }

    @Override
    public Gradients run(BackwardInputs in) {
        RunInputs f = in.forward();
        Sizes s = f.sizes();
        Object[] params = KernelParams.of(request.attention(), s, f.scalars(), f.tensors());
        List<ParamDecl> decls = request.attention().params();
        float[][] paramGrads = new float[decls.size()][];
        for (int i = 0; i < decls.size(); i++) {
            String name = decls.get(i).name();
            if (!withGradient.contains(name)) continue;
            paramGrads[i] = new float[params[i] instanceof float[] t ? t.length : 1];
        }
        FloatOperands in5 = FloatOperands.of(f.q(), f.k(), f.v(), in.o(), in.dO());
        // dQ, dK and dV laid out in memory as Q, K and V are, written through their layouts
        Tensor dq = f.q().allocateLike(request.dtype()), dk = f.k().allocateLike(request.dtype()), dv = f.v().allocateLike(request.dtype());
        float[] dqFloats = new float[Math.toIntExact(dq.elementCount())];
        float[] dkFloats = new float[Math.toIntExact(dk.elementCount())];
        float[] dvFloats = new float[Math.toIntExact(dv.elementCount())];
        var layouts = new JavaBackwardArgs.Layouts(in5.layout(0), in5.layout(1), in5.layout(2), in5.layout(3), in5.layout(4),
                FloatOperands.layout(dq), FloatOperands.layout(dk), FloatOperands.layout(dv));
        JavaBackwardArgs args = new JavaBackwardArgs(s, (float) f.scale(), in5.array(0), in5.array(1), in5.array(2), in5.array(3),
                in.lse().toFloatArray(), in5.array(4), in.dLse() == null ? null : in.dLse().toFloatArray(), params, in.transposed(),
                in.atomicParams(), pool, dqFloats, dkFloats, dvFloats, paramGrads, layouts);
        long start = System.nanoTime();
        kernel.run(args);
        long nanos = System.nanoTime() - start;
        FloatOperands.store(dqFloats, dq);
        FloatOperands.store(dkFloats, dk);
        FloatOperands.store(dvFloats, dv);
        Map<String, Tensor> grads = new LinkedHashMap<>();
        for (int i = 0; i < decls.size(); i++) {
            if (paramGrads[i] == null) continue;
            String name = decls.get(i).name();
            long[] shape = decls.get(i) instanceof ParamDecl.Tensor ? f.tensors().get(name).shape() : new long[] {1};
            grads.put(name, Tensor.ofFloats(paramGrads[i], shape));
        }
        return new Gradients(dq, dk, dv, grads, nanos);
    }

}
