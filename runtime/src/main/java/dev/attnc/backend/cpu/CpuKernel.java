package dev.attnc.backend.cpu;

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
import dev.attnc.kernel.KeySplits;
import dev.attnc.compiler.target.SplitKv;
import java.util.concurrent.ForkJoinPool;

/**
 * A generated Java kernel ready to run: converts the memory of Q, K and V from its storage type to
 * float32 once (once for views of one packed tensor), keeps their layouts, binds the parameters, runs the kernel on the backend's pool and returns O in Q's dtype and
 * LSE in float32. {@link RunOutputs#kernelNanos} is the kernel's own time, conversions excluded.
 * A decode step whose tasks cannot fill the pool runs split-KV ({@link SplitKv}, {@link KeySplits}).
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
        BlockPlan plan = splitKeys(KernelInputs.plan(request, in, request.tiles()), s);
        FloatOperands qkv = FloatOperands.forward(in.q(), in.k(), in.v());
        // O laid out in memory as Q is (a [B, S, H, D] Q gets a [B, S, H, D] O), written through its strides
        Tensor o = in.q().allocateLike(request.dtype(), s.DV());
        float[] oFloats = new float[Math.toIntExact(o.elementCount())];
        float[] lse = new float[s.B() * s.H() * s.Q_LEN()];
        JavaKernelArgs args = new JavaKernelArgs(s, (float) in.scale(), qkv.array(0), qkv.layout(0, in.q()), qkv.rows(1), qkv.layout(1, in.k()),
                qkv.rows(2), qkv.layout(2, in.v()), oFloats, FloatOperands.layout(o), lse,
                KernelParams.of(request.attention(), s, in.scalars(), in.tensors()), plan, pool, in.kvLens());
        long start = System.nanoTime();
        kernel.run(args);
        long nanos = System.nanoTime() - start;
        FloatOperands.store(oFloats, o);
        return new RunOutputs(o, Tensor.ofFloats(lse, s.B(), s.H(), s.Q_LEN()), nanos);
    }

    /** The plan split-KV as the policy says for this pool's threads (itself when the tasks fill the pool: prefill). */
    private BlockPlan splitKeys(BlockPlan plan, Sizes s) {
        long tasks = (long) s.B() * s.H() * plan.qTiles;
        return KeySplits.of(plan, SplitKv.splits(SplitKv.java(pool.getParallelism()), tasks, KeySplits.maxKeptTiles(plan)));
    }
}
