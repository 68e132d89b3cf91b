package dev.attnc.backend.opencl;

import dev.attnc.backend.KernelInputs;
import dev.attnc.compiler.codegen.c.CPrinter;
import dev.attnc.DType;
import dev.attnc.Tensor;
import dev.attnc.backend.CompiledKernel;
import dev.attnc.backend.KernelRequest;
import dev.attnc.backend.RunInputs;
import dev.attnc.backend.RunOutputs;
import dev.attnc.compiler.codegen.c.ParamArg;
import dev.attnc.compiler.codegen.opencl.OpenClKernel;
import dev.attnc.kernel.Sizes;
import dev.attnc.compiler.ir.Expr;
import dev.attnc.kernel.BlockPlan;
import dev.attnc.ffm.opencl.ClBuffer;
import dev.attnc.ffm.opencl.ClContext;
import dev.attnc.ffm.opencl.ClKernel;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * One built OpenCL kernel. A run uploads the inputs and the block plan, launches one work-group
 * per (query tile, b·H + h), and downloads O and LSE; device buffers live for the run only.
 */
final class OpenClCompiledKernel implements CompiledKernel {
    private final OpenClBackend backend;
    private final KernelRequest request;
    private final OpenClKernel generated;
    private final ClKernel kernel;

    OpenClCompiledKernel(OpenClBackend backend, KernelRequest request, OpenClKernel generated, ClKernel kernel) {
        this.backend = backend;
        this.request = request;
        this.generated = generated;
        this.kernel = kernel;
    }

    @Override
    public String source() {
        return generated.source();
    }

    @Override
    public KernelRequest request() {
        return request;
    }

    @Override
    public RunOutputs run(RunInputs in) {
        Sizes s = in.sizes();
        KernelInputs.check(request, in, "OpenCL", CPrinter.SIZE_LIMIT);
        BlockPlan plan = in.plan() != null ? in.plan()
                : BlockPlan.dense(generated.tiles().blockM(), generated.tiles().blockN(), s.Q_LEN(), s.KV_LEN(),
                        request.attention().mask() instanceof Expr.BoolConst c && c.value());
        plan.checkFits(generated.tiles().blockM(), generated.tiles().blockN(), s);
        Tensor o = Tensor.allocate(request.dtype(), s.B(), s.H(), s.Q_LEN(), s.D());
        Tensor lse = Tensor.allocate(DType.F32, s.B(), s.H(), s.Q_LEN());
        synchronized (backend.lock) {
            ClContext ctx = backend.context();
            List<ClBuffer> buffers = new ArrayList<>();
            try {
                int arg = 0;
                for (Tensor t : List.of(in.q(), in.k(), in.v())) kernel.setArg(arg++, keep(buffers, ctx.upload(t.segment())));
                ClBuffer oBuf = keep(buffers, ctx.allocate(o.byteSize()));
                ClBuffer lseBuf = keep(buffers, ctx.allocate(lse.byteSize()));
                kernel.setArg(arg++, oBuf).setArg(arg++, lseBuf);
                kernel.setArg(arg++, keep(buffers, ctx.upload(ints(plan.runOffsets))));
                kernel.setArg(arg++, keep(buffers, ctx.upload(ints(plan.runStart))));
                kernel.setArg(arg++, keep(buffers, ctx.upload(ints(plan.runEnd))));
                kernel.setArg(arg++, keep(buffers, ctx.upload(bytes(plan.runPartial))));
                int[] strides = PlanCheck.strides(plan);
                for (int v : new int[] {s.B(), s.H(), s.H_KV(), s.Q_LEN(), s.KV_LEN(), strides[0], strides[1]}) kernel.setArg(arg++, v);
                kernel.setArg(arg++, (float) in.scale());
                for (ParamArg p : generated.params()) ParamBinder.bind(ctx, kernel, arg++, p, in.scalars(), in.tensors(), buffers);
                int m = generated.tiles().blockM();
                long nanos = ctx.launch(kernel, new long[] {(long) plan.qTiles * m, (long) s.B() * s.H()}, new long[] {m, 1});
                ctx.download(oBuf, o.segment());
                ctx.download(lseBuf, lse.segment());
                return new RunOutputs(o, lse, nanos);
            } finally {
                buffers.forEach(ClBuffer::close);
            }
        }
    }

    private static <T extends ClBuffer> T keep(List<ClBuffer> buffers, T b) {
        buffers.add(b);
        return b;
    }

    /** An int array as a segment; empty arrays become one 0 (OpenCL has no empty buffers). */
    private static MemorySegment ints(int[] a) {
        return MemorySegment.ofArray(a.length == 0 ? new int[1] : a);
    }

    private static MemorySegment bytes(boolean[] a) {
        byte[] out = new byte[Math.max(1, a.length)];
        for (int i = 0; i < a.length; i++) out[i] = a[i] ? (byte) 1 : 0;
        return MemorySegment.ofArray(out);
    }
}
