package dev.attnc.backend.cuda;

import dev.attnc.AttnInputException;
import dev.attnc.DType;
import dev.attnc.Gradients;
import dev.attnc.Inputs;
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
import dev.attnc.compiler.codegen.c.Storage;
import dev.attnc.compiler.codegen.cuda.CudaBackwardCodegen;
import dev.attnc.compiler.codegen.cuda.CudaBackwardSource;
import dev.attnc.compiler.codegen.cuda.DqForm;
import dev.attnc.compiler.interp.Bindings;
import dev.attnc.compiler.plan.TilePlan;
import dev.attnc.compiler.sparsity.BlockPlanner;
import dev.attnc.ffm.cuda.CudaContext;
import dev.attnc.ffm.cuda.CudaFunction;
import dev.attnc.ffm.cuda.CudaModule;
import dev.attnc.ffm.cuda.DeviceBuffer;
import dev.attnc.ffm.cuda.Dim3;
import dev.attnc.ffm.cuda.TensorMap;
import dev.attnc.kernel.BlockPlan;
import dev.attnc.kernel.Sizes;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One attention's backward pass on the GPU ({@link CudaBackwardSource}): a run uploads the inputs
 * (fp32 ones as fp16, or bf16 where a value overflows fp16, as the forward does), launches Δ, dK/dV
 * over the transposed block plan, dQ over the forward plan (both under the backward's own 64 x 64
 * tiles) or, in the atomic form, the conversion of the dQaccum that dK/dV added into,
 * reduces each parameter's partials in order, and downloads the gradients (dense: a view
 * given as input is gathered into its upload, as the forward does). Every kernel's
 * arguments are bound by name from its signature. Device buffers live for the run only, or for a
 * {@link #session}'s runs (a benchmark's, back to back).
 */
final class CudaCompiledBackward implements BackwardKernel {
    /** A loaded program: its source and its four kernels by entry name. */
    record Program(CudaBackwardSource source, CudaModule module, Map<String, CudaFunction> functions) {}

    private final CudaBackend backend;
    private final KernelRequest request;
    private final Program main;
    private Program bf16; // fp32 requests whose values overflow fp16

    CudaCompiledBackward(CudaBackend backend, KernelRequest request, Program main) {
        this.backend = backend;
        this.request = request;
        this.main = main;
    }

    @Override
    public String source() {
        return main.source().text();
    }

    @Override
    public KernelRequest request() {
        return request;
    }

    /** One call: uploads, the kernels timed by two events (L2 as the work before left it), the gradients downloaded. */
    @Override
    public Gradients run(BackwardInputs in) {
        try (Call call = prepare(in)) {
            return call.gradients(call.launchWarm());
        }
    }

    /** Inputs uploaded once; each run zeroes what the kernels add into and launches them, timed after emptying L2. */
    @Override
    public Session session(BackwardInputs in) {
        Call call = prepare(in);
        return new Session() {
            private long last = -1;

            public long[] time(int n) {
                long[] nanos = new long[n];
                float[] ms = call.time(n);
                for (int i = 0; i < n; i++) nanos[i] = (long) (ms[i] * 1e6);
                if (n > 0) last = nanos[n - 1];
                return nanos;
            }

            public Gradients gradients() {
                if (last < 0) time(1);
                return call.gradients(last);
            }

            public void close() {
                call.close();
            }
        };
    }

    /** Validates and uploads one call's inputs and binds its launches; the result runs as often as asked. */
    private Call prepare(BackwardInputs in) {
        RunInputs fwd = in.forward();
        Sizes s = fwd.sizes();
        KernelInputs.check(request, fwd, "CUDA", CPrinter.SIZE_LIMIT);
        if ((long) s.B() * s.H() > 65535) {
            throw new AttnInputException("the CUDA backward takes B·H up to 65535 (one grid row each), but B·H = " + (long) s.B() * s.H());
        }
        // the backward's own tiles: its plans are built for them, not taken from the forward's
        BlockPlan plan = plan(fwd);
        Program p = main;
        List<Tensor> dense = new ArrayList<>(List.of(fwd.q(), fwd.k(), fwd.v(), in.o(), in.dO()));
        if (request.dtype() == DType.F32) {
            if (!dense.stream().allMatch(CudaBackend::fitsF16)) {
                synchronized (backend.lock) {
                    if (bf16 == null) bf16 = backend.backwardProgram(request, Storage.BF16);
                }
                p = bf16;
            }
            DType to = CudaBackend.storageDType(p.source().storage());
            dense.replaceAll(t -> t.convert(to));
        }
        synchronized (backend.lock) {
            Call call = new Call(backend.context(), p, s);
            try {
                call.bind(in, fwd, plan, dense);
                return call;
            } catch (RuntimeException e) {
                call.close();
                throw e;
            }
        }
    }

    /** One call on the device: its buffers (freed on close), its launches in order, its outputs. */
    private final class Call implements AutoCloseable {
        private final CudaContext ctx;
        private final Program p;
        private final Sizes s;
        private final List<DeviceBuffer> buffers = new ArrayList<>();
        private final List<Runnable> launches = new ArrayList<>();
        private final Map<String, ParamOutput> outputs = new LinkedHashMap<>();
        private DeviceBuffer dqBuf, dkBuf, dvBuf;

        Call(CudaContext ctx, Program p, Sizes s) {
            this.ctx = ctx;
            this.p = p;
            this.s = s;
        }

        /** Uploads the inputs, allocates the outputs and binds every kernel's arguments by name. */
        void bind(BackwardInputs in, RunInputs fwd, BlockPlan plan, List<Tensor> dense) {
            BlockPlan transposed = plan.transposed();
            long rows = (long) s.B() * s.H() * s.Q_LEN();
            DType stored = CudaBackend.storageDType(p.source().storage());
            Map<String, Object> shared = new HashMap<>();
            List<String> names = List.of(KernelSignature.Q.name(), KernelSignature.K.name(), KernelSignature.V.name(),
                    BackwardSignature.O_IN.name(), BackwardSignature.DO.name());
            for (int i = 0; i < names.size(); i++) shared.put(names.get(i), keep(ctx.upload(dense.get(i).contiguous().segment())));
            if (p.source().dkdv().fixedNames().contains(KernelSignature.TM_Q.name())) {
                // the warp-specialized dK/dV kernel loads Q, K, V and dO through TMA descriptors of the uploads
                List<KernelArg> maps = List.of(KernelSignature.TM_Q, KernelSignature.TM_K, KernelSignature.TM_V, BackwardSignature.TM_DO);
                List<TensorMap> values = HopperMaps.backward(p.source().storage(), s, p.source().tiles(),
                        ((DeviceBuffer) shared.get(names.get(0))).address(), ((DeviceBuffer) shared.get(names.get(1))).address(),
                        ((DeviceBuffer) shared.get(names.get(2))).address(), ((DeviceBuffer) shared.get(names.get(4))).address());
                for (int i = 0; i < maps.size(); i++) shared.put(maps.get(i).name(), values.get(i));
            }
            shared.put(BackwardSignature.LSE_IN.name(), keep(ctx.upload(in.lse().contiguous().segment())));
            DeviceBuffer dLse = keep(in.dLse() != null ? ctx.upload(in.dLse().contiguous().segment()) : ctx.alloc(rows * Float.BYTES));
            // buffers zeroed on the device are part of the backward's work: zeroed inside the timed launches below
            List<DeviceBuffer> zeroed = new ArrayList<>();
            // an absent dLSE is zeros that no kernel writes: zeroed once, as an upload would be, not in every run
            if (in.dLse() == null) ctx.memset32(dLse, 0);
            shared.put(BackwardSignature.DLSE.name(), dLse);
            shared.put(BackwardSignature.DELTA.name(), keep(ctx.alloc(rows * Float.BYTES)));
            dqBuf = keep(ctx.alloc((long) s.B() * s.H() * s.Q_LEN() * s.D() * stored.byteSize()));
            dkBuf = keep(ctx.alloc((long) s.B() * s.H_KV() * s.KV_LEN() * s.D() * stored.byteSize()));
            dvBuf = keep(ctx.alloc((long) s.B() * s.H_KV() * s.KV_LEN() * s.DV() * stored.byteSize()));
            shared.put(BackwardSignature.DQ.name(), dqBuf);
            shared.put(BackwardSignature.DK.name(), dkBuf);
            shared.put(BackwardSignature.DV.name(), dvBuf);
            CudaBackwardSource src = p.source();
            if (src.form() == DqForm.ATOMIC) {
                DeviceBuffer dqAccum = keep(ctx.alloc(CudaBackwardCodegen.dqAccumFloats(s.B(), s.H(), s.Q_LEN(), s.D()) * Float.BYTES));
                // zeroed by the Δ kernel where it takes it (CudaBackwardCodegen), else by a memset before it
                if (!src.delta().fixedNames().contains(BackwardSignature.DQ_ACCUM.name())) zeroed.add(dqAccum);
                shared.put(BackwardSignature.DQ_ACCUM.name(), dqAccum);
            }
            // the warp-specialized dK/dV kernel's counts of units taken and of units done by (b, KV head), zeroed by Δ,
            // and its LSE and Δ by query tile, written by Δ
            if (src.dkdv().fixedNames().contains(BackwardSignature.DKDV_UNITS.name())) {
                shared.put(BackwardSignature.DKDV_UNITS.name(), keep(ctx.alloc(CudaBackwardCodegen.unitCounts(s.B(), s.H()) * Integer.BYTES)));
            }
            if (src.dkdv().fixedNames().contains(BackwardSignature.TILE_STATS.name())) {
                long floats = CudaBackwardCodegen.tileStatsFloats(s.B(), s.H(), s.Q_LEN());
                shared.put(BackwardSignature.TILE_STATS.name(), keep(ctx.alloc(floats * Float.BYTES)));
            }

            // each parameter's gradient: partials per (row, lane of its quad) reduced in order, or
            // atomic adds into the output; one parameter past the partials' limit makes them all atomic
            long slots = slots(src.form(), s);
            boolean atomic = ParamGradients.atomic(in.atomicParams(), p.source().withGradient(), slots, fwd,
                    backend.cudaDevice().totalMemoryBytes());
            for (ParamArg pa : p.source().withGradient()) {
                long elements = ParamGradients.elements(pa, fwd);
                DeviceBuffer sums = keep(ctx.alloc(elements * Float.BYTES));
                DeviceBuffer partials = atomic ? sums : keep(ctx.alloc(slots * elements * Float.BYTES));
                zeroed.add(partials);
                shared.put(BackwardSignature.gradientName(pa), partials);
                long[] shape = pa.kind().isTensor() ? fwd.tensors().get(pa.name()).shape() : new long[] {1};
                outputs.put(pa.name(), new ParamOutput(shape, partials, sums, elements));
            }
            shared.put(BackwardSignature.ATOMIC_PARAMS.name(), atomic ? 1 : 0);

            // a parameter tensor or plan array is uploaded once for every kernel that reads it
            Map<MemorySegment, DeviceBuffer> uploads = new HashMap<>();
            java.util.function.Function<MemorySegment, Object> upload = host -> uploads.computeIfAbsent(host, h -> keep(ctx.upload(h)));
            int threads = CudaBackwardSource.THREADS;
            for (DeviceBuffer z : zeroed) launches.add(() -> ctx.memset32(z, 0));
            launches.add(launch(ctx, p, CudaBackwardSource.DELTA, src.delta(), ParamGradients.with(shared, SignatureBinder.planAndSizes(s, plan, fwd.scale())),
                    fwd, upload, Dim3.of((s.Q_LEN() + CudaBackwardSource.DELTA_ROWS - 1) / CudaBackwardSource.DELTA_ROWS, s.B() * s.H()), 256, 0));
            // from sm_90 the two kernels after Δ are dependent launches: each may begin while the one before drains
            // (their griddepcontrol.wait holds them until its results are there): a launch's gap, twice. The program is
            // compiled for the device's own architecture, so its kernels have those waits wherever it is sm_90 or later
            boolean dependent = backend.cudaDevice().major() >= 9;
            // by (key tile, b, KV head); the warp-specialized kernel's units (the same) over a persistent grid, a block an SM
            Dim3 dkdvGrid = Dim3.of(Math.max(1, transposed.qTiles), s.B() * s.H_KV());
            if (src.dkdv().fixedNames().contains(BackwardSignature.DKDV_UNITS.name())) {
                // dQ's conversion counts a (b, KV head)'s units from KV_LEN as the kernel's key blocks
                if (transposed.qTiles != CudaBackwardCodegen.keyBlocks(s.KV_LEN())) {
                    throw new IllegalStateException("the transposed plan has " + transposed.qTiles + " key tiles for KV_LEN " + s.KV_LEN());
                }
                int units = transposed.qTiles * s.B() * s.H_KV();
                dkdvGrid = Dim3.of(Math.max(1, Math.min(units, backend.cudaDevice().smCount())));
            }
            launches.add(launch(ctx, p, src.dkdvEntry(atomic), src.dkdv(), ParamGradients.with(shared, SignatureBinder.planAndSizes(s, transposed, fwd.scale())),
                    fwd, upload, dkdvGrid, src.dkdvThreads(), src.sharedBytes(), dependent));
            launches.add(launch(ctx, p, src.dqEntry(), src.dq(), ParamGradients.with(shared, SignatureBinder.planAndSizes(s, plan, fwd.scale())),
                    fwd, upload, Dim3.of(Math.max(1, plan.qTiles), s.B() * s.H()), threads, src.dqSharedBytes(), dependent));
            if (!atomic) {
                for (ParamOutput o : outputs.values()) {
                    Map<String, Object> args = Map.of(BackwardSignature.PARTIALS.name(), o.partials(), BackwardSignature.SUMS.name(), o.sums(),
                            BackwardSignature.ROWS.name(), Math.toIntExact(slots), BackwardSignature.ELEMENTS.name(), Math.toIntExact(o.elements()));
                    launches.add(launch(ctx, p, CudaBackwardSource.REDUCE, src.reduce(), args, fwd, upload,
                            Dim3.of(Math.toIntExact(o.elements())), 256, 256 * Float.BYTES));
                }
            }
        }

        /** One run with L2 as the work before left it (a caller's step); its GPU time in nanoseconds. */
        long launchWarm() {
            synchronized (backend.lock) {
                return (long) (ctx.timeMs(() -> launches.forEach(Runnable::run)) * 1e6);
            }
        }

        /** {@code n} runs queued back to back, L2 emptied before each (CudaContext.timeEach); each one's GPU time in ms. */
        float[] time(int n) {
            synchronized (backend.lock) {
                return ctx.timeEach(n, () -> launches.forEach(Runnable::run));
            }
        }

        /** The last run's gradients, downloaded; in the request's dtype. */
        Gradients gradients(long kernelNanos) {
            DType stored = CudaBackend.storageDType(p.source().storage());
            Tensor dq = Tensor.allocate(stored, s.B(), s.H(), s.Q_LEN(), s.D());
            Tensor dk = Tensor.allocate(stored, s.B(), s.H_KV(), s.KV_LEN(), s.D());
            Tensor dv = Tensor.allocate(stored, s.B(), s.H_KV(), s.KV_LEN(), s.DV());
            Map<String, Tensor> grads = new LinkedHashMap<>();
            synchronized (backend.lock) {
                for (var e : outputs.entrySet()) {
                    Tensor t = Tensor.allocate(DType.F32, e.getValue().shape());
                    ctx.download(e.getValue().sums(), t.segment());
                    grads.put(e.getKey(), t);
                }
                ctx.download(dqBuf, dq.segment());
                ctx.download(dkBuf, dk.segment());
                ctx.download(dvBuf, dv.segment());
            }
            return new Gradients(back(dq), back(dk), back(dv), grads, kernelNanos);
        }

        private DeviceBuffer keep(DeviceBuffer b) {
            buffers.add(b);
            return b;
        }

        @Override
        public void close() {
            synchronized (backend.lock) {
                for (DeviceBuffer b : buffers.reversed()) b.close();
                buffers.clear();
            }
        }
    }

    /**
     * The block plan under the backward's own tiles (64 x 64, or 64 x 128 with the warp-specialized
     * dK/dV kernel): the call's own when it was made for them, else planned here from the attention
     * and the call's arguments (the forward's tiles differ).
     */
    private BlockPlan plan(RunInputs fwd) {
        TilePlan t = main.source().tiles();
        if (fwd.plan() == null || fwd.plan().blockM == t.blockM() && fwd.plan().blockN == t.blockN()) {
            return KernelInputs.plan(request, fwd, t);
        }
        Bindings bindings = new Inputs.Bound(fwd.scalars(), fwd.tensors()).bindings().complete(request.attention());
        return BlockPlanner.plan(request.attention(), fwd.sizes(), bindings, t.blockM(), t.blockN());
    }

    /**
     * The partial slots of a parameter's gradient: one per (query row, lane of its quad) where the dQ
     * kernel adds the pairs' terms; in the atomic form the dK/dV kernel adds them per (key, lane) and
     * the conversion a sink's per query row, into one buffer of the larger count.
     */
    private static long slots(DqForm form, Sizes s) {
        long queryRows = 4L * s.B() * s.H() * s.Q_LEN();
        return switch (form) {
            case ATOMIC -> Math.max(queryRows, 4L * s.B() * s.H_KV() * s.KV_LEN());
            case DETERMINISTIC -> queryRows;
        };
    }

    /** A gradient in the request's dtype (fp32 requests ran in 16 bits). */
    private Tensor back(Tensor t) {
        return t.dtype() == request.dtype() ? t : t.convert(request.dtype());
    }

    /** One parameter's gradient on the device: the buffer the dQ kernel adds into, and the [elements] sums, of the parameter's shape. */
    private record ParamOutput(long[] shape, DeviceBuffer partials, DeviceBuffer sums, long elements) {}



    /** Binds {@code signature}'s arguments by name (the fixed ones from {@code available}); the launch, to run in order. */
    private static Runnable launch(CudaContext ctx, Program p, String entry, KernelSignature signature, Map<String, Object> available,
            RunInputs fwd, java.util.function.Function<MemorySegment, Object> upload, Dim3 grid, int threads, int sharedBytes) {
        return launch(ctx, p, entry, signature, available, fwd, upload, grid, threads, sharedBytes, false);
    }

    /** {@link #launch}, as a dependent launch ({@link CudaContext#launchDependent}) with {@code dependent}. */
    private static Runnable launch(CudaContext ctx, Program p, String entry, KernelSignature signature, Map<String, Object> available,
            RunInputs fwd, java.util.function.Function<MemorySegment, Object> upload, Dim3 grid, int threads, int sharedBytes,
            boolean dependent) {
        Map<String, Object> fixed = new HashMap<>();
        for (String name : signature.fixedNames()) if (available.containsKey(name)) fixed.put(name, available.get(name));
        Object[] args = SignatureBinder.bind(entry, signature, fixed, fwd, upload, CudaArgs::fits).toArray();
        CudaFunction f = p.functions().get(entry);
        if (dependent) return () -> ctx.launchDependent(f, grid, Dim3.of(threads), sharedBytes, args);
        return () -> ctx.launch(f, grid, Dim3.of(threads), sharedBytes, args);
    }
}
