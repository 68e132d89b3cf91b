package dev.attnc.backend.opencl;

import dev.attnc.backend.KernelInputs;
import dev.attnc.compiler.codegen.c.CPrinter;
import dev.attnc.DType;
import dev.attnc.Tensor;
import dev.attnc.backend.CompiledKernel;
import dev.attnc.backend.KernelRequest;
import dev.attnc.backend.RunInputs;
import dev.attnc.backend.RunOutputs;
import dev.attnc.backend.SignatureBinder;
import dev.attnc.compiler.codegen.KernelArg;
import dev.attnc.compiler.codegen.KernelSignature;
import dev.attnc.compiler.codegen.opencl.OpenClCodegen;
import dev.attnc.compiler.codegen.opencl.OpenClKernel;
import dev.attnc.kernel.Sizes;
import dev.attnc.kernel.BlockPlan;
import dev.attnc.ffm.opencl.ClBuffer;
import dev.attnc.ffm.opencl.ClContext;
import dev.attnc.ffm.opencl.ClKernel;
import dev.attnc.compiler.target.SplitKv;
import dev.attnc.kernel.KeySplits;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One built OpenCL kernel. A run uploads the inputs and the block plan, launches one work-group
 * per (query tile, b·H + h), and downloads O and LSE; device buffers live for the run only.
 */
final class OpenClCompiledKernel implements CompiledKernel {
    private final OpenClBackend backend;
    private final KernelRequest request;
    private final OpenClKernel generated;
    private final ClKernel kernel;
    /** The split-KV kernel, built on the first decode step that needs it (under the backend's lock). */
    private OpenClBackend.OpenClSplitKv split;

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
        BlockPlan plan = KernelInputs.plan(request, in, generated.tiles());
        int splits = SplitKv.splits(SplitKv.opencl(backend.computeUnits()), (long) s.B() * s.H() * plan.qTiles, KeySplits.maxKeptTiles(plan));
        if (splits > 1) return runSplit(in, KeySplits.of(plan, splits), splits);
        Outputs out = new Outputs(in, request.dtype());
        synchronized (backend.lock) {
            ClContext ctx = backend.context();
            List<ClBuffer> buffers = new ArrayList<>();
            try {
                ClBuffer oBuf = out.o(ctx, buffers);
                ClBuffer lseBuf = out.lse(ctx, buffers);
                Map<String, Object> outputs = new HashMap<>(Map.of(KernelSignature.O.name(), oBuf, KernelSignature.LSE.name(), lseBuf));
                SignatureBinder.putLayout(outputs, KernelSignature.O, out.oOffset(), out.oStrides());
                long nanos = launch(ctx, buffers, generated, kernel, in, plan, outputs);
                return out.read(ctx, oBuf, lseBuf, nanos);
            } finally {
                buffers.forEach(ClBuffer::close);
            }
        }
    }

    /**
     * A decode step whose work-groups cannot fill the device: the split-KV kernel over the split
     * plan writes each split's float partial O and LSE, and its combine kernel, one work-item per
     * query row, merges them by log-sum-exp into O (Q's storage and layout) and LSE.
     */
    private RunOutputs runSplit(RunInputs in, BlockPlan plan, int splits) {
        Sizes s = in.sizes();
        long rows = (long) s.B() * s.H() * s.Q_LEN();
        Outputs out = new Outputs(in, request.dtype());
        synchronized (backend.lock) {
            if (split == null) split = backend.splitKv(request);
            ClContext ctx = backend.context();
            List<ClBuffer> buffers = new ArrayList<>();
            try {
                ClBuffer partialO = keep(buffers, ctx.allocate(4L * rows * splits * s.DV()));
                ClBuffer partialLse = keep(buffers, ctx.allocate(4L * rows * splits));
                // the split kernel writes the partials only; its O and LSE arguments still take a buffer (and O a layout)
                Map<String, Object> outputs = new HashMap<>(Map.of(KernelSignature.O.name(), keep(buffers, ctx.allocate(4)),
                        KernelSignature.LSE.name(), keep(buffers, ctx.allocate(4)), KernelSignature.O_PART.name(), partialO,
                        KernelSignature.LSE_PART.name(), partialLse, KernelSignature.SPLITS.name(), splits));
                SignatureBinder.putLayout(outputs, KernelSignature.O, 0, new long[] {0, 0, 0, 1});
                long nanos = launch(ctx, buffers, split.generated(), split.kernel(), in, plan, outputs);

                ClBuffer oBuf = out.o(ctx, buffers);
                ClBuffer lseBuf = out.lse(ctx, buffers);
                Map<String, Object> combine = new HashMap<>(Map.of(KernelSignature.O_PART.name(), partialO,
                        KernelSignature.LSE_PART.name(), partialLse, KernelSignature.O.name(), oBuf, KernelSignature.LSE.name(), lseBuf,
                        KernelSignature.B.name(), s.B(), KernelSignature.H.name(), s.H(), KernelSignature.Q_LEN.name(), s.Q_LEN(),
                        KernelSignature.SPLITS.name(), splits));
                SignatureBinder.putLayout(combine, KernelSignature.O, out.oOffset(), out.oStrides());
                String entry = OpenClCodegen.combineEntry(split.generated().entry());
                setArgs(split.combine(), SignatureBinder.bind(entry, KernelSignature.SPLIT_KV_COMBINE, combine, in,
                        host -> keep(buffers, ctx.upload(host)), OpenClCompiledKernel::fits));
                long group = COMBINE_GROUP;
                nanos += ctx.launch(split.combine(), new long[] {(rows + group - 1) / group * group}, new long[] {group});
                return out.read(ctx, oBuf, lseBuf, nanos);
            } finally {
                buffers.forEach(ClBuffer::close);
            }
        }
    }

    /** Work-items of a combine work-group (one a query row; the rows past the last return at once). */
    private static final long COMBINE_GROUP = 32;

    /**
     * Uploads Q, K, V, the plan and the parameters (each buffer kept in {@code buffers} for the
     * caller to free), binds them and {@code outputs} to {@code k}'s arguments by name, and runs
     * one work-group per (plan row, b·H + h); the kernel's own time in nanoseconds.
     */
    private static long launch(ClContext ctx, List<ClBuffer> buffers, OpenClKernel gen, ClKernel k, RunInputs in, BlockPlan plan,
            Map<String, Object> outputs) {
        Sizes s = in.sizes();
        Map<String, Object> fixed = SignatureBinder.planAndSizes(s, plan, in.scale());
        if (in.resident() == null) {
            SignatureBinder.putStrided(fixed, KernelSignature.POINTER_INPUTS, List.of(in.q(), in.k(), in.v()),
                    host -> keep(buffers, ctx.upload(host)));
        } else {
            RunInputs.Resident r = in.resident();
            SignatureBinder.putResident(fixed, KernelSignature.POINTER_INPUTS, List.of(r.q(), r.k(), r.v()), OpenClCompiledKernel::buffer);
        }
        fixed.putAll(outputs);
        SignatureBinder.putSequences(fixed, in);
        setArgs(k, SignatureBinder.bind(gen.entry(), gen.signature(), fixed, in, host -> keep(buffers, ctx.upload(host)),
                OpenClCompiledKernel::fits));
        int m = gen.tiles().blockM();
        return ctx.launch(k, new long[] {(long) plan.qTiles * m, (long) s.B() * s.H()}, new long[] {m, 1});
    }

    /**
     * Where a call's O and LSE go: host tensors (O laid out in memory as Q is, written through its
     * strides) read back from buffers that live for the call, or the device tensors of a resident
     * call, written where they lie and not read back.
     */
    private record Outputs(Tensor o, Tensor lse, RunInputs.Resident resident) {
        Outputs(RunInputs in, DType dtype) {
            this(in.resident() == null ? in.q().allocateLike(dtype, in.sizes().DV()) : null,
                    in.resident() == null ? Tensor.allocate(DType.F32, in.sizes().B(), in.sizes().H(), in.sizes().Q_LEN()) : null, in.resident());
        }

        ClBuffer o(ClContext ctx, List<ClBuffer> buffers) {
            return resident != null ? buffer(resident.o().memory()) : keep(buffers, ctx.allocate(o.byteSize()));
        }

        ClBuffer lse(ClContext ctx, List<ClBuffer> buffers) {
            return resident != null ? buffer(resident.lse().memory()) : keep(buffers, ctx.allocate(lse.byteSize()));
        }

        long oOffset() {
            return resident != null ? resident.o().offset() : o.offset();
        }

        long[] oStrides() {
            return resident != null ? resident.o().strides() : o.strides();
        }

        RunOutputs read(ClContext ctx, ClBuffer oBuf, ClBuffer lseBuf, long nanos) {
            if (resident != null) return new RunOutputs(null, null, nanos);
            ctx.download(oBuf, o.storage());
            ctx.download(lseBuf, lse.segment());
            return new RunOutputs(o, lse, nanos);
        }
    }

    /** The {@code cl_mem} of a device tensor of this backend (the caller checked the backend). */
    private static ClBuffer buffer(dev.attnc.backend.DeviceMemory memory) {
        return (ClBuffer) ((dev.attnc.backend.BufferMemory<?>) memory).buffer();
    }

    private static <T extends ClBuffer> T keep(List<ClBuffer> buffers, T b) {
        buffers.add(b);
        return b;
    }

    /** Sets {@code args} (what {@link SignatureBinder#bind} gave, in the kernel's order) as the kernel's arguments. */
    static void setArgs(ClKernel kernel, List<Object> args) {
        for (int i = 0; i < args.size(); i++) {
            switch (args.get(i)) {
                case ClBuffer b -> kernel.setArg(i, b);
                case Integer v -> kernel.setArg(i, v);
                case Long v -> kernel.setArg(i, v);
                case Float v -> kernel.setArg(i, v);
                default -> throw new AssertionError(args.get(i));
            }
        }
    }

    /** What OpenCL passes for an argument of each kind: buffers, ints and floats by value (no tensor maps). */
    static boolean fits(KernelArg.Kind kind, Object value) {
        return switch (kind) {
            case KernelArg.Kind.Buffer b -> value instanceof ClBuffer;
            case KernelArg.Kind.Int i -> value instanceof Integer;
            case KernelArg.Kind.Long l -> value instanceof Long;
            case KernelArg.Kind.Float f -> value instanceof Float;
            case KernelArg.Kind.TensorMap t -> false;
        };
    }
}
