package dev.attnc.backend.cpu;

import dev.attnc.DType;
import dev.attnc.Tensor;
import dev.attnc.backend.CompiledKernel;
import dev.attnc.backend.KernelInputs;
import dev.attnc.backend.KernelRequest;
import dev.attnc.backend.RunInputs;
import dev.attnc.backend.RunOutputs;
import dev.attnc.kernel.cpu.JavaKernel;
import dev.attnc.kernel.cpu.JavaKernelArgs;
import dev.attnc.kernel.Sizes;
import dev.attnc.kernel.BlockPlan;
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
        KernelInputs.check(request, in, "Java", Integer.MAX_VALUE);
        BlockPlan plan = KernelInputs.plan(request, in, request.tiles());
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
}
