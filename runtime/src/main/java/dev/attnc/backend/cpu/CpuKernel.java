package dev.attnc.backend.cpu;

import dev.attnc.AttnInputException;
import dev.attnc.DType;
import dev.attnc.Tensor;
import dev.attnc.backend.CompiledKernel;
import dev.attnc.backend.KernelRequest;
import dev.attnc.backend.RunInputs;
import dev.attnc.backend.RunOutputs;
import dev.attnc.compiler.codegen.java.kernel.JavaKernel;
import dev.attnc.compiler.codegen.java.kernel.JavaKernelArgs;
import dev.attnc.compiler.interp.Sizes;
import dev.attnc.compiler.sparsity.BlockPlan;
import java.util.Arrays;
import java.util.concurrent.ForkJoinPool;

/**
 * A generated Java kernel ready to run: converts Q, K and V from their storage type to float32
 * once, binds the parameters, runs the kernel on the backend's pool and returns O in Q's dtype and
 * LSE in float32. {@link RunOutputs#kernelNanos} is the kernel's own time, conversions excluded.
 */
final class CpuKernel implements CompiledKernel {
    private final KernelRequest request;
    private final String source;
    private final JavaKernel kernel;
    private final ForkJoinPool pool;

    CpuKernel(KernelRequest request, String source, JavaKernel kernel, ForkJoinPool pool) {
        this.request = request;
        this.source = source;
        this.kernel = kernel;
        this.pool = pool;
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
    public RunOutputs run(RunInputs in) {
        Sizes s = in.sizes();
        if (s.D() != request.headDim()) {
            throw new AttnInputException("kernel compiled for head dimension " + request.headDim() + " called with D = " + s.D());
        }
        check("Q", in.q(), s.B(), s.H(), s.Q_LEN());
        check("K", in.k(), s.B(), s.H_KV(), s.KV_LEN());
        check("V", in.v(), s.B(), s.H_KV(), s.KV_LEN());
        BlockPlan plan = in.plan() != null ? in.plan()
                : BlockPlan.dense(request.tiles().blockM(), request.tiles().blockN(), s.Q_LEN(), s.KV_LEN(), false);
        float[] o = new float[Math.toIntExact((long) s.B() * s.H() * s.Q_LEN() * s.D())];
        float[] lse = new float[s.B() * s.H() * s.Q_LEN()];
        JavaKernelArgs args = new JavaKernelArgs(s, (float) in.scale(), in.q().toFloatArray(), in.k().toFloatArray(),
                in.v().toFloatArray(), o, lse, KernelParams.of(request.attention(), s, in.scalars(), in.tensors()), plan, pool);
        long start = System.nanoTime();
        kernel.run(args);
        long nanos = System.nanoTime() - start;
        Tensor out = Tensor.ofFloats(o, s.B(), s.H(), s.Q_LEN(), s.D());
        return new RunOutputs(request.dtype() == DType.F32 ? out : out.convert(request.dtype()),
                Tensor.ofFloats(lse, s.B(), s.H(), s.Q_LEN()), nanos);
    }

    private void check(String what, Tensor t, int b, int heads, int len) {
        long[] want = {b, heads, len, request.headDim()};
        if (t.dtype() != request.dtype()) {
            throw new AttnInputException(what + " is " + t.dtype() + " but the kernel was compiled for " + request.dtype());
        }
        if (!Arrays.equals(t.shape(), want)) {
            throw new AttnInputException(what + " has shape " + t.shapeString() + ", expected " + Tensor.shapeString(want));
        }
    }
}
