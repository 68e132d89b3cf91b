package dev.attnc.backend.cpu;

import dev.attnc.DType;
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
 * A generated Java backward kernel ready to run: converts Q, K, V, O and dO to float32 once (LSE
 * and dLSE are float32), binds the parameters as the forward does, runs the kernel on the
 * backend's pool and returns dQ, dK and dV in Q's dtype and each parameter's gradient in float32
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
        float[] k = f.k().toFloatArray();
        float[] dq = new float[Math.toIntExact((long) s.B() * s.H() * s.Q_LEN() * s.D())];
        float[] dk = new float[k.length];
        float[] dv = new float[k.length];
        JavaBackwardArgs args = new JavaBackwardArgs(s, (float) f.scale(), f.q().toFloatArray(), k, f.v().toFloatArray(),
                in.o().toFloatArray(), in.lse().toFloatArray(), in.dO().toFloatArray(),
                in.dLse() == null ? null : in.dLse().toFloatArray(), params, in.transposed(), in.atomicParams(), pool,
                dq, dk, dv, paramGrads);
        long start = System.nanoTime();
        kernel.run(args);
        long nanos = System.nanoTime() - start;
        Map<String, Tensor> grads = new LinkedHashMap<>();
        for (int i = 0; i < decls.size(); i++) {
            if (paramGrads[i] == null) continue;
            String name = decls.get(i).name();
            long[] shape = decls.get(i) instanceof ParamDecl.Tensor ? f.tensors().get(name).shape() : new long[] {1};
            grads.put(name, Tensor.ofFloats(paramGrads[i], shape));
        }
        return new Gradients(inDtype(Tensor.ofFloats(dq, s.B(), s.H(), s.Q_LEN(), s.D())),
                inDtype(Tensor.ofFloats(dk, s.B(), s.H_KV(), s.KV_LEN(), s.D())),
                inDtype(Tensor.ofFloats(dv, s.B(), s.H_KV(), s.KV_LEN(), s.D())), grads, nanos);
    }

    private Tensor inDtype(Tensor t) {
        return request.dtype() == DType.F32 ? t : t.convert(request.dtype());
    }
}
