package dev.attnc.backend.cuda;

import dev.attnc.backend.KernelInputs;
import dev.attnc.AttnInputException;
import dev.attnc.DType;
import dev.attnc.DeviceTensor;
import dev.attnc.Tensor;
import dev.attnc.backend.CompiledKernel;
import dev.attnc.backend.KernelRequest;
import dev.attnc.backend.RunInputs;
import dev.attnc.backend.RunOutputs;
import dev.attnc.compiler.codegen.c.CPrinter;
import dev.attnc.backend.SignatureBinder;
import dev.attnc.backend.TensorSpans;
import dev.attnc.compiler.codegen.KernelArg;
import dev.attnc.compiler.codegen.KernelSignature;
import dev.attnc.compiler.codegen.c.Storage;
import dev.attnc.compiler.target.Decision;
import dev.attnc.compiler.codegen.cuda.CudaCodegen;
import dev.attnc.compiler.codegen.cuda.CudaKernelSource;
import dev.attnc.compiler.codegen.cuda.CudaDecodeSource;
import dev.attnc.compiler.target.TargetPolicy;
import dev.attnc.kernel.Sizes;
import dev.attnc.compiler.plan.TilePlan;
import dev.attnc.kernel.BlockPlan;
import dev.attnc.kernel.KeySplits;
import dev.attnc.ffm.cuda.CudaContext;
import dev.attnc.ffm.cuda.CudaFunction;
import dev.attnc.ffm.cuda.CudaModule;
import dev.attnc.ffm.cuda.DeviceBuffer;
import dev.attnc.ffm.cuda.Dim3;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One attention compiled for one GPU, dtype and head dimension. {@link #run} uploads the inputs
 * and the block plan, poisons O and LSE with NaN (an element the kernel fails to write then fails
 * every check), launches one block per (query tile, b·H + h) (the Hopper engine: one block per SM,
 * walking a {@link TileOrder}, with TMA maps of Q, K, V), times the kernel with CUDA events
 * and downloads O and LSE. {@link #prepare} keeps the inputs on the GPU for repeated launches.
 */
public final class CudaKernel implements CompiledKernel {
    /** A loaded kernel for one storage type, with what ptxas made of it. */
    record Variant(CudaKernelSource source, Decision.Cuda decision, CudaModule module, CudaFunction function,
            String log, long compileNanos) {}

    private final CudaBackend backend;
    private final KernelRequest request;
    private final Variant main;
    private Variant bf16; // fp32 requests whose values overflow fp16
    /**
     * The decode programs this kernel has launched, by storage and shape: rendering one's source takes
     * milliseconds (2-4 ms on a 2-core CI machine), which a decode step cannot pay each call.
     */
    private final Map<DecodeKey, CudaBackend.DecodeProgram> decodePrograms = new java.util.concurrent.ConcurrentHashMap<>();

    private record DecodeKey(Storage storage, TargetPolicy.CudaDecode decode) {}

    /** The strided forms (views read in place) of the mma.sync variants that calls with views have run, by their dense form. */
    private final Map<Variant, Variant> stridedForms = new java.util.concurrent.ConcurrentHashMap<>();

    private Variant stridedForm(Variant dense) {
        return stridedForms.computeIfAbsent(dense, d -> backend.strided(request, d));
    }

    CudaKernel(CudaBackend backend, KernelRequest request, Variant main) {
        this.backend = backend;
        this.request = request;
        this.main = main;
    }

    @Override
    public String source() {
        return main.source().text();
    }

    /** float32 inputs are converted to float16 on upload (tensor cores take 16-bit operands). */
    @Override
    public DType effectiveStorage(DType given) {
        return given == DType.F32 ? DType.F16 : given;
    }

    @Override
    public KernelRequest request() {
        return request;
    }

    public CudaKernelSource generated() {
        return main.source();
    }

    /** Registers per thread, as ptxas allocated them. */
    public int registers() {
        synchronized (backend.lock) {
            return main.function().registers();
        }
    }

    /** Local memory per thread (stack and spills); 0 is the goal. */
    public int localBytes() {
        synchronized (backend.lock) {
            return main.function().localBytes();
        }
    }

    /** NVRTC's time for this kernel in nanoseconds (0 when the cubin came from the cache). */
    public long compileNanos() {
        return main.compileNanos();
    }

    /** Tiles, registers, spills and shared memory, for reports. */
    public String describe() {
        CudaKernelSource s = main.source();
        return s.entry() + " " + s.storage().word + " D=" + s.headDim() + " tiles " + s.tiles().describe() + " minBlocks "
                + s.options().minBlocks() + (s.options().qInRegs() ? " Q-in-regs" : "") + " " + s.options().engine().name().toLowerCase(java.util.Locale.ROOT) + ": " + registers() + " registers, "
                + localBytes() + " B local, " + s.sharedBytes() + " B shared";
    }

    /** One call as a caller's step runs it: no L2 flush before the kernel (that is {@link Session#launch}'s, for timing). */
    @Override
    public RunOutputs run(RunInputs in) {
        try (Call call = prepare(in)) {
            float ms = call.launchWarm();
            return call.outputs((long) (ms * 1e6));
        }
    }

    /**
     * A call on device tensors queued on the context's stream, not waited for (a decode loop's step): the
     * host's next step overlaps this one's kernels. Calls with host outputs run as {@link #run}.
     */
    @Override
    public RunOutputs enqueue(RunInputs in) {
        if (in.resident() == null) return run(in);
        try (Call call = prepare(in)) {
            call.launchQueued();
            return new RunOutputs(null, null, -1);
        }
    }

    /** Inputs uploaded once; each launch poisons O and LSE and runs the kernel (timed by events). */
    @Override
    public Session session(RunInputs in) {
        Call call = prepare(in);
        return new Session() {
            private long last = -1;

            public long launch() {
                last = (long) (call.launch() * 1e6);
                return last;
            }

            public RunOutputs outputs() {
                if (last < 0) launch();
                return call.outputs(last);
            }

            public void close() {
                call.close();
            }
        };
    }

    /** Validates and uploads one call's inputs; the result launches as often as asked. */
    public Call prepare(RunInputs in) {
        Sizes s = in.sizes();
        checkInputs(in, s);
        TilePlan tiles = main.source().tiles();
        BlockPlan plan = KernelInputs.plan(request, in, tiles);
        Variant v = main;
        Tensor q = in.q(), k = in.k(), vv = in.v();
        if (in.resident() != null && request.dtype() == DType.F32) {
            throw new AttnInputException("the CUDA backend's kernels read float16 or bfloat16: make the device tensors one of those "
                    + "(host float32 tensors are converted on upload)");
        }
        if (request.dtype() == DType.F32) {
            boolean f16 = CudaBackend.fitsF16(q) && CudaBackend.fitsF16(k) && CudaBackend.fitsF16(vv);
            if (!f16) {
                synchronized (backend.lock) {
                    if (bf16 == null) bf16 = backend.variant(request, Storage.BF16);
                }
                v = bf16;
            }
            DType to = CudaBackend.storageDType(v.source().storage());
            q = q.convert(to);
            k = convertKv(k, to);
            vv = convertKv(vv, to);
        }
        return new Call(v, in, plan, q, k, vv);
    }

    /** A K or V in another dtype; a paged one stays paged (its pages are converted, not the logical cache). */
    private static Tensor convertKv(Tensor t, DType to) {
        return t.paging() == null ? t.convert(to) : Tensor.paged(t.paging().pages().convert(to), t.paging().pageTable());
    }

    private void checkInputs(RunInputs in, Sizes s) {
        KernelInputs.check(request, in, "CUDA", CPrinter.SIZE_LIMIT);
        if ((long) s.B() * s.H() > 65535) {
            throw new AttnInputException("the CUDA backend takes B·H up to 65535 (one grid row each), but B·H = " + (long) s.B() * s.H());
        }
        if (!(in.scale() > 0) || Double.isInfinite(in.scale())) {
            throw new AttnInputException("the CUDA backend needs a positive, finite softmax scale, not " + in.scale());
        }
    }


    /** One kernel launch of a call: a function, its grid, block, dynamic shared memory and bound arguments. */
    private record Launch(CudaFunction function, Dim3 grid, Dim3 block, int sharedBytes, Object[] args) {}

    /** The most blocks a grid's y (and z) dimension holds. */
    private static final int MAX_GRID_Y = 65535;

    /** One call's inputs on the GPU. Not thread-safe; close it to free the device memory. */
    public final class Call implements AutoCloseable {
        private final Variant v;
        private final RunInputs in;
        private final BlockPlan plan;
        /** Device memory this call owns (views of device tensors) or borrowed from the backend's pool. */
        private final List<DeviceBuffer> buffers = new ArrayList<>();
        private final List<DevicePool.Loan<DeviceBuffer>> loans = new ArrayList<>();
        /** False from a launch until its end was waited for: borrowed memory that queued work may still use is freed, not pooled. */
        private boolean settled = true;
        private final DeviceBuffer o, lse;
        private final List<Launch> launches = new ArrayList<>();
        private final int oPoison;
        private final String decodeShape;
        /** Whether the forward reads views among Q, K and V where they lie (a strided form or Hopper's maps), not gathered. */
        private boolean inPlace;
        /** The launches' small host arrays, copied to the device in one copy at the end of the constructor. */
        private StagedUploads staged;

        private Call(Variant dense, RunInputs in, BlockPlan plan, Tensor q, Tensor k, Tensor vt) {
            this.in = in;
            this.plan = plan;
            Sizes s = in.sizes();
            TargetPolicy.CudaDecode decode = !TargetPolicy.prefersDecode(s.Q_LEN(), in.ragged(), backend.policy().options()) ? null
                    : TargetPolicy.cudaDecode(CudaStages.caps(backend.cudaDevice()), s.D(), s.DV(), s.Q_LEN(), s.H() / s.H_KV(), dense.source().tiles(), plan.perHead);
            boolean views = !q.isContiguous() || !k.isContiguous() || !vt.isContiguous();
            // the forward reads views in place: mma.sync through its strided form, Hopper through its maps
            this.v = decode == null && views && dense.source().options().engine() == CudaCodegen.Engine.MMA_SYNC ? stridedForm(dense) : dense;
            Variant v = this.v;
            synchronized (backend.lock) {
                CudaContext ctx = backend.context();
                try {
                    staged = new StagedUploads(ctx, () -> borrow(ctx, StagedUploads.CAPACITY), host -> upload(ctx, host), this::keep);
                    Map<String, Object> fixed = SignatureBinder.planAndSizes(s, plan, in.scale());
                    long rows = (long) s.B() * s.H() * s.Q_LEN();
                    RunInputs.Resident r = in.resident();
                    o = r != null ? resident(ctx, r.o()) : borrow(ctx, rows * s.DV() * 2);
                    lse = r != null ? resident(ctx, r.lse()) : borrow(ctx, rows * 4);
                    fixed.put(KernelSignature.O.name(), o);
                    fixed.put(KernelSignature.LSE.name(), lse);
                    if (decode != null) {
                        decodeShape = decodeLaunches(ctx, decode, fixed, q, k, vt, s, rows);
                    } else if (in.ragged()) {
                        // the backend refuses these before any work (unsupportedRagged); a caller of prepare may not have asked
                        String why = backend.unsupportedRagged(s);
                        throw new AttnInputException(why != null ? why : "the CUDA decode kernel cannot run this call (its shared memory)");
                    } else {
                        decodeShape = null;
                        // the FA2 loop on wgmma reads dense tensors only: views are gathered (host) or refused (device) there
                        inPlace = views && CudaCodegen.unsupportedStrided(v.source().options()) == null;
                        forwardLaunch(ctx, fixed, inPlace ? placedViews(ctx, List.of(q, k, vt)) : placedDense(ctx, List.of(q, k, vt)), s);
                    }
                    staged.flush();
                } catch (RuntimeException e) {
                    close();
                    throw e;
                }
            }
            oPoison = v.source().storage() == Storage.BF16 ? 0x7fc07fc0 : 0x7e007e00;
        }

        /**
         * Where Q, K or V lies on the GPU for the forward: in {@code buffer} at {@code offset} elements, with
         * these strides of b, h and s (0 for a dimension of size 1).
         */
        private record Lying(DeviceBuffer buffer, long offset, long[] strides) {}

        /** Dense Q, K and V: each uploaded (a host view gathered), or a resident one where it lies (dense), at offset 0. */
        private List<Lying> placedDense(CudaContext ctx, List<Tensor> qkv) {
            List<Lying> out = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                long[] n = qkv.get(i).shape();
                out.add(new Lying(input(ctx, i, qkv.get(i)), 0, denseStrides(n[1], n[2], n[3])));
            }
            return out;
        }

        /**
         * Q, K and V of which some are views ([B,S,H,D], slices of a packed QKV) for a kernel that reads them in
         * place: resident ones where they lie; host ones uploaded as their memory lies, each stretch once
         * ({@link TensorSpans#compact}: gathered where that would copy much more than they hold), or all
         * gathered where the kernels' 16-byte loads cannot read them ({@link #unaligned}).
         */
        private List<Lying> placedViews(CudaContext ctx, List<Tensor> qkv) {
            List<Lying> out = new ArrayList<>();
            if (in.resident() != null) {
                for (int i = 0; i < 3; i++) {
                    DeviceTensor t = residentInput(i);
                    long[] st = t.strides();
                    for (int d = 0; d < 3; d++) if (t.shape()[d] == 1) st[d] = 0; // never stepped
                    DeviceBuffer b = t.isContiguous() ? resident(ctx, t) : span(ctx, t);
                    String why = unaligned(t.toString(), b.address(), st);
                    if (why != null) throw new AttnInputException("the CUDA forward cannot read this view in place: " + why);
                    out.add(new Lying(b, 0, new long[] {st[0], st[1], st[2]}));
                }
                return out;
            }
            TensorSpans spans = TensorSpans.of(TensorSpans.compact(qkv));
            for (TensorSpans.Placed p : spans.placed()) {
                // the device buffers are 256-byte aligned: a view's own offset decides
                if (unaligned("", 2 * p.offset(), p.strides()) != null) {
                    inPlace = false;
                    return placedDense(ctx, qkv);
                }
            }
            List<DeviceBuffer> buffers = spans.spans().stream().map(t -> upload(ctx, t.segment())).toList();
            for (TensorSpans.Placed p : spans.placed()) out.add(new Lying(buffers.get(p.span()), p.offset(), p.strides()));
            return out;
        }

        /**
         * Why the forward kernels cannot read a 16-bit tensor at {@code address} (bytes) with these strides (elements of
         * b, h, s) in place, or null: they load rows 16 bytes at a time (mma.sync's cp.async, the Hopper kernel's TMA,
         * whose cuTensorMapEncodeTiled takes a 16-byte aligned address and strides that are multiples of 16 bytes).
         */
        static String unaligned(String name, long address, long[] strides) {
            if (address % 16 != 0) return name + " starts at a byte address that is not a multiple of 16 (its offset in its memory)";
            // the first three: the last dimension's stride is 1 (a Tensor's rule), which the kernels read row by row
            for (int d = 0; d < 3; d++) {
                if (2 * strides[d] % 16 != 0) {
                    return name + "'s strides " + java.util.Arrays.toString(java.util.Arrays.copyOf(strides, 3))
                            + " (elements of b, h, s) are not all multiples of 8 elements (16 bytes)";
                }
            }
            return null;
        }

        /** The forward kernel: one block per (query tile, b·H + h), or the Hopper engine's persistent blocks over a tile order. */
        private void forwardLaunch(CudaContext ctx, Map<String, Object> fixed, List<Lying> qkv, Sizes s) {
            boolean hopper = v.source().options().engine() == CudaCodegen.Engine.HOPPER;
            List<KernelArg> inputs = hopper ? KernelSignature.TENSOR_MAP_INPUTS : KernelSignature.POINTER_INPUTS;
            List<?> inputValues = hopper
                    ? HopperMaps.of(v.source(), s, qkv.stream().map(l -> new HopperMaps.Placed(l.buffer().address() + 2 * l.offset(), l.strides())).toList())
                    : qkv.stream().map(Lying::buffer).toList();
            for (int i = 0; i < 3; i++) fixed.put(inputs.get(i).name(), inputValues.get(i));
            if (v.source().signature().fixedNames().contains(KernelSignature.layout(KernelSignature.O).getFirst().name())) {
                // the strided form: Q, K, V through their layouts, O dense
                for (int i = 0; i < 3; i++) SignatureBinder.putLayout(fixed, inputs.get(i), qkv.get(i).offset(), qkv.get(i).strides());
                putDenseO(fixed, s);
            }
            int persistentBlocks = 0;
            if (hopper) {
                // sections of heads whose K and V fit in 5/8 of L2 (FlashAttention-3 takes 32 of 50 MiB)
                long l2 = backend.cudaDevice().l2Bytes() > 0 ? backend.cudaDevice().l2Bytes() : 50L << 20;
                long budget = v.source().options().schedule().l2Sections() ? l2 * 5 / 8 : Long.MAX_VALUE;
                TileOrder order = TileOrder.of(plan, s.B(), s.H(), s.H_KV(), (long) s.KV_LEN() * s.D() * 2 * 2, budget);
                fixed.put(KernelSignature.TILE_ORDER.name(), SignatureBinder.ints(order.codes()));
                fixed.put(KernelSignature.N_TILES.name(), order.codes().length);
                // persistent: one block per SM, each taking the next item from a counter that the
                // kernel leaves at 0 (zeroed once here); else one block per item (a null counter)
                int items = Math.max(1, order.codes().length);
                if (v.source().options().schedule().persistent()) {
                    DeviceBuffer counter = borrow(ctx, 4);
                    ctx.memset32(counter, 0);
                    fixed.put(KernelSignature.ITEM_COUNTER.name(), counter);
                    persistentBlocks = Math.min(items, backend.cudaDevice().smCount());
                } else {
                    fixed.put(KernelSignature.ITEM_COUNTER.name(), 0L);
                    persistentBlocks = items;
                }
            }
            Object[] args = CudaArgs.bind(v.source(), fixed, in, staged);
            Dim3 grid = hopper ? Dim3.of(persistentBlocks) : Dim3.of(Math.max(1, plan.qTiles), s.B() * s.H());
            launches.add(new Launch(v.function(), grid, Dim3.of(v.source().threads()), v.source().sharedBytes(), args));
        }

        /**
         * The decode program ({@link TargetPolicy#cudaDecode}): the split-KV kernel over (splits, B·H_KV·groups·row tiles)
         * blocks, the split count from the blocks the GPU holds at once ({@link dev.attnc.compiler.target.SplitKv#residentWave}),
         * then the combine where there is more than one split. Returns the shape, for {@link #describe}.
         */
        private String decodeLaunches(CudaContext ctx, TargetPolicy.CudaDecode decode, Map<String, Object> fixed,
                Tensor q, Tensor k, Tensor vt, Sizes s, long rows) {
            CudaBackend.DecodeProgram p = decodePrograms.computeIfAbsent(new DecodeKey(v.source().storage(), decode),
                    key -> backend.decodeProgram(request, key.storage(), key.decode()));
            fixed.put(KernelSignature.Q.name(), input(ctx, 0, q));
            SignatureBinder.putSequences(fixed, in);
            putKv(ctx, fixed, KernelSignature.K, 1, k, s);
            putKv(ctx, fixed, KernelSignature.V, 2, vt, s);
            int sm = backend.cudaDevice().smCount();
            int shared = p.source().sharedBytes();
            long bySmem = Math.max(1, (backend.cudaDevice().maxSharedPerBlockOptin() + 1024L) / shared);
            long byRegs = Math.max(1, 65536L / (CudaDecodeSource.THREADS * (long) Math.max(32, p.decode().registers())));
            // blocks of 16 rows: a group of packed heads' rows, or one head's Q_LEN rows in tiles of 16
            long groupRows = (long) decode.headsPacked() * s.Q_LEN();
            long units = (long) s.B() * s.H_KV() * (s.H() / s.H_KV() / decode.headsPacked()) * ((groupRows + TargetPolicy.DECODE_ROWS - 1) / TargetPolicy.DECODE_ROWS);
            int splits = dev.attnc.compiler.target.SplitKv.residentWave(sm * Math.min(bySmem, byRegs), units, KeySplits.maxKeptTiles(plan));
            fixed.put(KernelSignature.HEADS_PACKED.name(), decode.headsPacked());
            fixed.put(KernelSignature.SPLITS.name(), splits);
            Object oPart = 0L, lsePart = 0L;
            if (splits > 1) {
                oPart = borrow(ctx, splits * rows * s.DV() * 4);
                lsePart = borrow(ctx, splits * rows * 4);
            }
            fixed.put(KernelSignature.O_PART.name(), oPart);
            fixed.put(KernelSignature.LSE_PART.name(), lsePart);
            Object[] args = CudaArgs.bind(CudaDecodeSource.DECODE, p.source().decode(), fixed, in, staged);
            launches.add(new Launch(p.decode(), decodeGrid(splits, units, decode), Dim3.of(CudaDecodeSource.THREADS), shared, args));
            if (splits > 1) {
                Map<String, Object> merge = new java.util.HashMap<>();
                // O lies dense in its buffer (a device tensor's own slice): the combine writes it through this layout
                putDenseO(fixed, s);
                for (String name : p.source().combine().fixedNames()) merge.put(name, fixed.get(name));
                Object[] margs = CudaArgs.bind(CudaDecodeSource.COMBINE, p.source().combine(), merge, in, staged);
                launches.add(new Launch(p.combine(), Dim3.of((int) rows), Dim3.of(128), 4 * splits, margs));
            }
            return "decode: " + decode.headsPacked() + " heads a block, " + splits + " splits, " + decode.stages() + " stages, "
                    + p.decode().registers() + " registers, " + p.decode().localBytes() + " B local";
        }

        /** O's layout for a kernel that writes it through one: dense in its buffer (this call's, or a resident O's own slice). */
        private static void putDenseO(Map<String, Object> fixed, Sizes s) {
            SignatureBinder.putLayout(fixed, KernelSignature.O, 0, denseStrides(s.H(), s.Q_LEN(), s.DV()));
        }

        /** The strides of b, h and s (elements) of a dense [B, heads, rows, cols] tensor. */
        private static long[] denseStrides(long heads, long rows, long cols) {
            return new long[] {heads * rows * cols, rows * cols, cols};
        }

        /**
         * The decode kernel's grid: (splits, units); with plan rows ({@link TargetPolicy.CudaDecode#planQueryTile}) the
         * units go on in z past the 65535 blocks y holds (the kernel lets the few blocks of the rounding leave).
         */
        private static Dim3 decodeGrid(int splits, long units, TargetPolicy.CudaDecode decode) {
            if (decode.planQueryTile() == 0 || units <= MAX_GRID_Y) return Dim3.of(splits, (int) units);
            int z = (int) ((units + MAX_GRID_Y - 1) / MAX_GRID_Y);
            return Dim3.of(splits, (int) ((units + z - 1) / z), z);
        }

        /**
         * K or V of a decode call on the GPU with its layout: a dense [B, H_KV, KV_LEN, D or DV] upload (a host
         * view gathered), a device tensor where it lies (a view through its own strides), or a paged one's
         * pages as they are ([num_pages, page_size, H_KV, D], made dense) with the sequences' page table,
         * which {@link SignatureBinder#putSequences} put.
         */
        private void putKv(CudaContext ctx, Map<String, Object> fixed, KernelArg tensor, int index, Tensor t, Sizes s) {
            Tensor.Paging paging = t.paging();
            long d = index == 2 ? s.DV() : s.D(); // V's rows are DV long
            DeviceTensor given = residentInput(index);
            if (given != null && paging == null && !given.isContiguous()) {
                // a view of a device cache ([B, S, H_KV, D] seen as [B, H_KV, S, D]): read where it lies, through its strides
                fixed.put(tensor.name(), span(ctx, given));
                long[] st = given.strides();
                SignatureBinder.putLayout(fixed, tensor, 0, new long[] {st[0], st[1], st[2]});
                return;
            }
            fixed.put(tensor.name(), input(ctx, index, paging == null ? t : paging.pages()));
            long[] strides = paging == null ? denseStrides(s.H_KV(), s.KV_LEN(), d)
                    : new long[] {0, d, (long) s.H_KV() * d};
            SignatureBinder.putLayout(fixed, tensor, 0, strides);
            if (paging != null) fixed.put(KernelSignature.paging(tensor).get(3).name(), (long) paging.pageSize() * s.H_KV() * d);
        }

        /** The stretch of a device tensor's memory from its first element to one past its last: a view's own bytes, not owned. */
        private DeviceBuffer span(CudaContext ctx, DeviceTensor t) {
            DeviceBuffer base = (DeviceBuffer) ((dev.attnc.backend.BufferMemory<?>) t.memory()).buffer();
            long size = t.dtype().byteSize();
            return keep(ctx.foreign(base.address() + t.offset() * size, (t.layout().storageEnd() - t.offset()) * size));
        }

        /** Whether this call's forward reads views of Q, K or V in place (benchmarks check that [B,S,H,D] is not gathered). */
        public boolean readsViewsInPlace() {
            return inPlace;
        }

        /** The decode program's shape when this call runs it (heads packed, splits, stages), else null. */
        public String decodeShape() {
            return decodeShape;
        }

        /**
         * Q (0), K (1) or V (2) on the GPU, dense: uploaded (a view gathered on the way, the copy the upload
         * makes anyway), or, in a resident call, the device tensor where it lies ({@code t} then describes it).
         */
        private DeviceBuffer input(CudaContext ctx, int index, Tensor t) {
            DeviceTensor given = residentInput(index);
            if (given == null) return upload(ctx, t.contiguous().segment());
            return resident(ctx, given.pages() != null ? given.pages() : given);
        }

        /** Q (0), K (1) or V (2) as the device tensor a resident call gave, else null. */
        private DeviceTensor residentInput(int index) {
            RunInputs.Resident r = in.resident();
            return r == null ? null : List.of(r.q(), r.k(), r.v()).get(index);
        }

        /**
         * A device tensor's own bytes, which CUDA kernels read dense: its memory, or a slice of it where the
         * tensor starts inside (not owned: closing the call leaves the tensor's memory alone).
         */
        private DeviceBuffer resident(CudaContext ctx, DeviceTensor t) {
            if (!t.isContiguous()) {
                throw new AttnInputException("the CUDA backend writes O and LSE dense (and its FA2 loop on wgmma reads Q, K, V "
                        + "dense), but " + t + " is a strided view " + java.util.Arrays.toString(t.strides()) + "; on cuda views run as "
                        + "Q, K and V of the forward and the decode program, on java and opencl everywhere");
            }
            DeviceBuffer base = (DeviceBuffer) ((dev.attnc.backend.BufferMemory<?>) t.memory()).buffer();
            if (t.offset() == 0 && base.bytes() == t.byteSize()) return base;
            return span(ctx, t);
        }

        private DeviceBuffer keep(DeviceBuffer b) {
            buffers.add(b);
            return b;
        }

        /** {@code bytes} of the backend's pool, uninitialised, until this call closes. */
        private DeviceBuffer borrow(CudaContext ctx, long bytes) {
            DevicePool.Loan<DeviceBuffer> loan = backend.pool.take(bytes);
            loans.add(loan);
            return keep(ctx.foreign(loan.buffer().address(), bytes)); // the exact size: memsets and copies fill no more
        }

        /** A copy of {@code host} in borrowed memory. */
        private DeviceBuffer upload(CudaContext ctx, java.lang.foreign.MemorySegment host) {
            DeviceBuffer b = borrow(ctx, host.byteSize());
            ctx.upload(host, b);
            return b;
        }

        /**
         * Fills O and LSE with NaN, then runs the kernel once with L2 as the work before left it; its GPU
         * time in milliseconds from two events (what {@link CudaKernel#run} does).
         */
        public float launchWarm() {
            return poisonedRun(ctx -> ctx.timeMs(this::launchAll));
        }

        /**
         * Fills O and LSE with NaN and queues the kernels without waiting for them. The borrowed memory goes
         * back to the pool reusable: every later use of it is queued behind these launches (this context's
         * stream, and the legacy stream's copies, which wait for it: the next step's plan, and the caller's
         * writes into Q or the cache). Another library's stream may not block on the legacy one, so there
         * the call waits for its kernels, as a run does.
         */
        void launchQueued() {
            poisonedRun(ctx -> {
                launchAll();
                if (!ctx.usesOwnStream()) ctx.synchronize();
                return -1f;
            });
        }

        /** Fills O and LSE with NaN, then runs the kernel once after emptying L2; its GPU time in milliseconds (as {@link #time}). */
        public float launch() {
            return poisonedRun(ctx -> ctx.timeEach(1, this::launchAll)[0]);
        }

        /** O and LSE filled with NaN, then {@code launches} (timed, or queued); what they return. */
        private float poisonedRun(java.util.function.Function<CudaContext, Float> launches) {
            synchronized (backend.lock) {
                CudaContext ctx = backend.context();
                ctx.memset32(o, oPoison);
                ctx.memset32(lse, 0x7fc00000);
                return settling(() -> launches.apply(ctx));
            }
        }

        /**
         * Runs the kernel {@code n} times; the GPU time of each in ms, with L2 emptied before each
         * run and the host's launch latency kept out (CudaContext.timeEach: FlexAttention's method).
         */
        public float[] time(int n) {
            synchronized (backend.lock) {
                CudaContext ctx = backend.context();
                return settling(() -> ctx.timeEach(n, this::launchAll));
            }
        }

        /** Runs timed launches, which wait for their end: until they return, borrowed memory is not settled. */
        private <T> T settling(java.util.function.Supplier<T> timedLaunches) {
            settled = false;
            T result = timedLaunches.get();
            settled = true;
            return result;
        }

        private void launchAll() {
            CudaContext ctx = backend.context();
            for (Launch l : launches) ctx.launch(l.function(), l.grid(), l.block(), l.sharedBytes(), l.args());
        }

        /** O and LSE of the last launch, O in the request's dtype. */
        public RunOutputs outputs(long kernelNanos) {
            if (in.resident() != null) return new RunOutputs(null, null, kernelNanos); // O and LSE stay in the device tensors
            Sizes s = in.sizes();
            DType stored = CudaBackend.storageDType(v.source().storage());
            Tensor oHost = Tensor.allocate(stored, s.B(), s.H(), s.Q_LEN(), s.DV());
            Tensor lseHost = Tensor.allocate(DType.F32, s.B(), s.H(), s.Q_LEN());
            synchronized (backend.lock) {
                CudaContext ctx = backend.context();
                ctx.download(o, oHost.segment());
                ctx.download(lse, lseHost.segment());
            }
            Tensor out = request.dtype() == stored ? oHost : oHost.convert(request.dtype());
            return new RunOutputs(out, lseHost, kernelNanos);
        }

        public BlockPlan plan() {
            return plan;
        }

        @Override
        public void close() {
            synchronized (backend.lock) {
                for (DeviceBuffer b : buffers.reversed()) b.close();
                buffers.clear();
                for (DevicePool.Loan<DeviceBuffer> loan : loans) backend.pool.give(loan, settled);
                loans.clear();
            }
        }
    }
}
