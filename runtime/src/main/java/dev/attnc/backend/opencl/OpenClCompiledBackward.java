package dev.attnc.backend.opencl;

import dev.attnc.DType;
import dev.attnc.Gradients;
import dev.attnc.Tensor;
import dev.attnc.backend.BackwardInputs;
import dev.attnc.backend.BackwardKernel;
import dev.attnc.backend.KernelInputs;
import dev.attnc.backend.KernelRequest;
import dev.attnc.backend.ParamGradients;
import dev.attnc.backend.RunInputs;
import dev.attnc.backend.SignatureBinder;
import dev.attnc.compiler.codegen.BackwardSignature;
import dev.attnc.compiler.codegen.KernelArg;
import dev.attnc.compiler.codegen.KernelSignature;
import dev.attnc.compiler.codegen.c.CPrinter;
import dev.attnc.compiler.codegen.c.ParamArg;
import dev.attnc.compiler.codegen.opencl.OpenClBackwardKernel;
import dev.attnc.ffm.opencl.ClBuffer;
import dev.attnc.ffm.opencl.ClContext;
import dev.attnc.ffm.opencl.ClKernel;
import dev.attnc.kernel.BlockPlan;
import dev.attnc.kernel.Sizes;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One built backward program ({@link OpenClBackwardKernel}): a run uploads the inputs, launches Δ,
 * dK/dV over the transposed plan, dQ over the forward plan, then reduces each parameter's per-row
 * partials in row order, and downloads the gradients. Every kernel's arguments are bound by name
 * from its signature. Device buffers live for the run only.
 */
final class OpenClCompiledBackward implements BackwardKernel {
    private final OpenClBackend backend;
    private final KernelRequest request;
    private final OpenClBackwardKernel generated;
    private final Map<String, ClKernel> kernels;

    OpenClCompiledBackward(OpenClBackend backend, KernelRequest request, OpenClBackwardKernel generated, Map<String, ClKernel> kernels) {
        this.backend = backend;
        this.request = request;
        this.generated = generated;
        this.kernels = Map.copyOf(kernels);
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
    public Gradients run(BackwardInputs in) {
        RunInputs fwd = in.forward();
        Sizes s = fwd.sizes();
        KernelInputs.check(request, fwd, "OpenCL", CPrinter.SIZE_LIMIT);
        BlockPlan plan = KernelInputs.plan(request, fwd, generated.tiles());
        BlockPlan transposed = in.transposed() != null ? in.transposed() : plan.transposed();
        int m = generated.tiles().blockM(), n = generated.tiles().blockN();
        transposed.checkFits(n, m, s.transposed());
        long rows = (long) s.B() * s.H() * s.Q_LEN();
        // laid out in memory as Q, K and V are, written through their layouts
        Tensor dq = fwd.q().allocateLike(request.dtype());
        Tensor dk = fwd.k().allocateLike(request.dtype());
        Tensor dv = fwd.v().allocateLike(request.dtype());
        synchronized (backend.lock) {
            ClContext ctx = backend.context();
            List<ClBuffer> buffers = new ArrayList<>();
            try {
                Map<String, Object> shared = new HashMap<>();
                SignatureBinder.putStrided(shared, List.of(KernelSignature.Q, KernelSignature.K, KernelSignature.V, BackwardSignature.O_IN,
                        BackwardSignature.DO), List.of(fwd.q(), fwd.k(), fwd.v(), in.o(), in.dO()), host -> keep(buffers, ctx.upload(host)));
                shared.put(BackwardSignature.LSE_IN.name(), keep(buffers, ctx.upload(in.lse().contiguous().segment())));
                shared.put(BackwardSignature.DLSE.name(), keep(buffers, in.dLse() != null ? ctx.upload(in.dLse().contiguous().segment())
                        : ctx.allocate(rows * Float.BYTES)));
                shared.put(BackwardSignature.DELTA.name(), keep(buffers, ctx.allocate(rows * Float.BYTES)));
                ClBuffer dqBuf = keep(buffers, ctx.allocate(dq.byteSize()));
                ClBuffer dkBuf = keep(buffers, ctx.allocate(dk.byteSize()));
                ClBuffer dvBuf = keep(buffers, ctx.allocate(dv.byteSize()));
                shared.put(BackwardSignature.DQ.name(), dqBuf);
                shared.put(BackwardSignature.DK.name(), dkBuf);
                shared.put(BackwardSignature.DV.name(), dvBuf);
                SignatureBinder.putLayout(shared, BackwardSignature.DQ, dq.offset(), dq.strides());
                SignatureBinder.putLayout(shared, BackwardSignature.DK, dk.offset(), dk.strides());
                SignatureBinder.putLayout(shared, BackwardSignature.DV, dv.offset(), dv.strides());

                // each parameter's gradient: per-row partials reduced in row order, or atomic adds into the
                // output; the dQ kernel adds atomically for all parameters or none, so one parameter past
                // the partials' limit makes them all atomic
                boolean atomic = ParamGradients.atomic(in.atomicParams(), generated.withGradient(), rows, fwd, ctx.device().globalMemBytes());
                Map<String, ParamOutput> outputs = new LinkedHashMap<>();
                for (ParamArg p : generated.withGradient()) {
                    long elements = ParamGradients.elements(p, fwd);
                    ClBuffer sums = keep(buffers, ctx.allocate(elements * Float.BYTES));
                    ClBuffer partials = atomic ? sums : keep(buffers, ctx.allocate(rows * elements * Float.BYTES));
                    shared.put(BackwardSignature.gradientName(p), partials);
                    long[] shape = p.kind().isTensor() ? fwd.tensors().get(p.name()).shape() : new long[] {1};
                    outputs.put(p.name(), new ParamOutput(Tensor.allocate(DType.F32, shape), partials, sums, elements));
                }
                shared.put(BackwardSignature.ATOMIC_PARAMS.name(), atomic ? 1 : 0);

                // a parameter tensor is uploaded once for the three kernels that read it
                Map<MemorySegment, ClBuffer> uploads = new HashMap<>();
                java.util.function.Function<MemorySegment, Object> upload = host -> uploads.computeIfAbsent(host,
                        h -> keep(buffers, ctx.upload(h)));
                long nanos = 0;
                nanos += launch(ctx, upload, OpenClBackwardKernel.DELTA, generated.delta(), ParamGradients.with(shared, SignatureBinder.planAndSizes(s, plan, fwd.scale())),
                        fwd, new long[] {rows}, null);
                nanos += launch(ctx, upload, OpenClBackwardKernel.DKDV, generated.dkdv(), ParamGradients.with(shared, SignatureBinder.planAndSizes(s, transposed, fwd.scale())),
                        fwd, new long[] {(long) transposed.qTiles * n, (long) s.B() * s.H_KV()}, new long[] {n, 1});
                nanos += launch(ctx, upload, OpenClBackwardKernel.DQ, generated.dq(), ParamGradients.with(shared, SignatureBinder.planAndSizes(s, plan, fwd.scale())),
                        fwd, new long[] {(long) plan.qTiles * m, (long) s.B() * s.H()}, new long[] {m, 1});
                Map<String, Tensor> grads = new LinkedHashMap<>();
                for (var e : outputs.entrySet()) {
                    ParamOutput o = e.getValue();
                    if (!atomic) {
                        Map<String, Object> args = Map.of(BackwardSignature.PARTIALS.name(), o.partials(), BackwardSignature.SUMS.name(), o.sums(),
                                BackwardSignature.ROWS.name(), Math.toIntExact(rows), BackwardSignature.ELEMENTS.name(), Math.toIntExact(o.elements()));
                        nanos += launch(ctx, upload, OpenClBackwardKernel.REDUCE, generated.reduce(), args, fwd, new long[] {o.elements()}, null);
                    }
                    ctx.download(o.sums(), o.out().segment());
                    grads.put(e.getKey(), o.out());
                }
                ctx.download(dqBuf, dq.storage());
                ctx.download(dkBuf, dk.storage());
                ctx.download(dvBuf, dv.storage());
                return new Gradients(dq, dk, dv, grads, nanos);
            } finally {
                buffers.forEach(ClBuffer::close);
            }
        }
    }

    /**
     * One parameter's gradient on the device: the buffer the dQ kernel adds into ({@code partials}:
     * [rows, elements], or {@code sums} itself when atomic) and the [elements] sums downloaded into {@code out}.
     */
    private record ParamOutput(Tensor out, ClBuffer partials, ClBuffer sums, long elements) {}



    /** Binds {@code signature}'s arguments by name (the fixed ones it takes from {@code available}) and runs the kernel. */
    private long launch(ClContext ctx, java.util.function.Function<MemorySegment, Object> upload, String entry, KernelSignature signature,
            Map<String, Object> available, RunInputs fwd, long[] global, long[] local) {
        Map<String, Object> fixed = new HashMap<>();
        for (String name : signature.fixedNames()) if (available.containsKey(name)) fixed.put(name, available.get(name));
        List<Object> args = SignatureBinder.bind(entry, signature, fixed, fwd, upload, OpenClCompiledKernel::fits);
        ClKernel kernel = kernels.get(entry);
        OpenClCompiledKernel.setArgs(kernel, args);
        return ctx.launch(kernel, global, local);
    }

    private static <T extends ClBuffer> T keep(List<ClBuffer> buffers, T b) {
        buffers.add(b);
        return b;
    }
}
