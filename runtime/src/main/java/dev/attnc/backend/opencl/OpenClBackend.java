package dev.attnc.backend.opencl;

import dev.attnc.kernel.Sizes;
import dev.attnc.backend.Capacity;
import dev.attnc.backend.DiskCache;
import dev.attnc.DType;
import dev.attnc.AttnInputException;
import dev.attnc.DeviceException;
import dev.attnc.DeviceUnavailableException;
import dev.attnc.backend.Backend;
import dev.attnc.backend.BackendPolicy;
import dev.attnc.backend.BackwardKernel;
import dev.attnc.backend.CompiledKernel;
import dev.attnc.backend.KernelRequest;
import dev.attnc.compiler.codegen.opencl.OpenClBackwardKernel;
import dev.attnc.compiler.codegen.opencl.OpenClKernel;
import dev.attnc.compiler.target.BackendOptions;
import dev.attnc.compiler.target.Decision;
import dev.attnc.compiler.plan.TilePlan;
import dev.attnc.compiler.target.TargetPolicy;
import dev.attnc.ffm.opencl.ClBuffer;
import dev.attnc.ffm.opencl.ClContext;
import dev.attnc.ffm.opencl.ClDevice;
import dev.attnc.ffm.opencl.ClKernel;
import dev.attnc.ffm.opencl.ClProgram;
import dev.attnc.ffm.opencl.OpenCl;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * Attention kernels as OpenCL C on one OpenCL device (PoCL on a CPU, NVIDIA's or AMD's driver on a
 * GPU). Programs are cached in memory and on disk ({@link ProgramCache}). The device is driven
 * from one thread at a time: compiles and runs of all its kernels take one lock.
 */
public final class OpenClBackend implements Backend {
    /** OpenCL C 1.2: what PoCL and NVIDIA's driver both compile (the policy's build options). */
    static final String BUILD_OPTIONS = TargetPolicy.OPENCL_BUILD_OPTIONS;

    private final ClContext context;
    private final ProgramCache programs;
    private final BackendPolicy policy;
    /** Kernels by source: a kernel object holds its arguments, one per generated source is enough. */
    private final Map<String, OpenClCompiledKernel> kernels = new HashMap<>();
    private final Map<String, OpenClCompiledBackward> backwards = new HashMap<>();
    final Object lock = new Object();

    /** Device {@code deviceIndex}, with the disk cache in its default directory. */
    public OpenClBackend(int deviceIndex) {
        this(deviceIndex, DiskCache.defaultDir("opencl"));
    }

    /**
     * The {@code deviceIndex}-th device of {@link OpenCl#devices()} ({@code attnc devices} lists them).
     *
     * @param cacheDir where built programs are kept; null for no disk cache
     * @throws DeviceUnavailableException when this machine has no OpenCL or no OpenCL device
     * @throws AttnInputException when there is no device with that index
     */
    public OpenClBackend(int deviceIndex, Path cacheDir) {
        List<ClDevice> devices = devices();
        if (deviceIndex < 0 || deviceIndex >= devices.size()) {
            throw new AttnInputException("there is no OpenCL device " + deviceIndex + "; the devices are "
                    + IntStream.range(0, devices.size()).mapToObj(i -> i + " (" + devices.get(i).name() + ")")
                            .collect(Collectors.joining(", ")));
        }
        this.context = ClContext.open(devices.get(deviceIndex));
        this.policy = BackendPolicy.untuned(OpenClStages.caps(devices.get(deviceIndex)), BackendOptions.fromSystemProperties());
        this.programs = new ProgramCache(context, cacheDir == null ? null : new DiskCache(cacheDir, "ATTNCCL2", ".bin"));
    }

    /** The OpenCL devices of this machine, never empty. */
    public static List<ClDevice> devices() {
        if (!OpenCl.isAvailable()) {
            throw new DeviceUnavailableException("OpenCL is not available on this machine: libOpenCL.so.1 was not found "
                    + "(install ocl-icd-libopencl1 and a driver such as pocl-opencl-icd)");
        }
        List<ClDevice> devices = OpenCl.devices();
        if (devices.isEmpty()) {
            throw new DeviceUnavailableException("OpenCL is installed but lists no device: no OpenCL driver is installed "
                    + "(install one, such as pocl-opencl-icd for the CPU)");
        }
        return devices;
    }

    @Override
    public String name() {
        return "opencl";
    }

    @Override
    public String device() {
        ClDevice d = context.device();
        return d.name() + " (" + d.platform().name() + ", " + d.version() + ")";
    }

    /** Tiles and build options: {@link TargetPolicy} on this device's work-group and local-memory limits. */
    @Override
    public BackendPolicy policy() {
        return policy;
    }

    /**
     * D up to 1024 and up to what one key of K and V in half the local memory allows (the tile
     * plan's floor); Q, K, V, O and LSE in the device's global memory.
     */
    /** Its kernels read paged K/V through the page table and take each sequence's length. */
    @Override
    public String unsupportedRagged(Sizes sizes) {
        return null;
    }

    @Override
    public String unsupported(Sizes sizes, DType storage) {
        ClDevice d = context.device();
        String why = Capacity.headDim(name(), sizes.D(), (int) Math.min(1024, d.localMemBytes() / (4 * Float.BYTES)));
        if (why != null) return why;
        if (sizes.DV() != sizes.D()) { // the tiles are chosen for D; a key tile of K and V (rows of D and DV) must still fit
            int n = tilePlan(sizes.D()).blockN();
            why = Capacity.tooLarge("a key tile of K and V (" + n + " keys, D = " + sizes.D() + ", DV = " + sizes.DV() + ") in local memory",
                    4L * n * (sizes.D() + sizes.DV()), "the local memory of " + d.name(), d.localMemBytes());
            if (why != null) return why;
        }
        return Capacity.tooLarge("Q, K, V, O and LSE", Capacity.callBytes(sizes, storage, 2), "the device's global memory",
                d.globalMemBytes());
    }

    /**
     * The backward's buffers (Q, K, V, O, dO, dQ, dK, dV, LSE, dLSE and Δ) in the global memory less
     * the eighth its parameters' partial sums may take ({@link OpenClCompiledBackward} turns to atomics
     * past that), and its two tile kernels within the device's limits: the dK/dV kernel holds Q and dO
     * of a query tile (BLOCK_M·(D + DV) floats, and LSE and Δ) in local memory and runs BLOCK_N work-items,
     * the dQ kernel K and V of a key tile (BLOCK_N·(D + DV) floats) with BLOCK_M.
     */
    @Override
    public String unsupportedBackward(Sizes sizes, DType storage, TilePlan tiles, long paramFloats) {
        ClDevice d = context.device();
        long buffers = Capacity.callBytes(sizes, storage, 4);
        long rows = 4L * sizes.B() * sizes.H() * sizes.Q_LEN();
        long total = buffers == Long.MAX_VALUE ? buffers : buffers + Capacity.callBytes(sizes, storage, 0) + rows;
        String why = Capacity.tooLarge("the backward pass's buffers (inputs, O, dO, dQ, dK, dV, LSE, dLSE, Δ)", total,
                "seven eighths of the device's global memory", d.globalMemBytes() / 8 * 7);
        if (why != null) return why;
        int m = tiles.blockM(), n = tiles.blockN(), dim = sizes.D();
        // Q's and K's rows are D long, dO's and V's DV
        long dkdvLocal = 4L * ((long) m * dim + (long) m * sizes.DV() + 2L * m), dqLocal = 4L * n * ((long) dim + sizes.DV());
        for (long need : new long[] {dkdvLocal, dqLocal}) {
            why = Capacity.tooLarge("the backward kernels' tiles (" + m + "x" + n + ", D = " + dim + ") in local memory", need,
                    "the local memory of " + d.name(), d.localMemBytes());
            if (why != null) return why;
        }
        if (Math.max(m, n) > d.maxWorkGroupSize()) {
            return "too large: the backward kernels' tiles (" + m + "x" + n + ") need work-groups of " + Math.max(m, n)
                    + ", more than " + d.name() + " runs (" + d.maxWorkGroupSize() + ")";
        }
        return null;
    }

    @Override
    public CompiledKernel compile(KernelRequest request) {
        Decision.OpenCl decision = (Decision.OpenCl) policy.decisions(request).getFirst();
        OpenClKernel generated = OpenClStages.source(request);
        synchronized (lock) {
            OpenClCompiledKernel known = kernels.get(generated.source());
            if (known != null) return known;
            ClProgram program = build(generated.source(), decision, "the kernel of attention '" + request.attention().name() + "'");
            ClKernel kernel = program.kernel(generated.entry());
            long max = kernel.maxWorkGroupSize();
            if (max < generated.workGroupSize()) {
                throw new DeviceException("the kernel of attention '" + request.attention().name() + "' needs work-groups of "
                        + generated.workGroupSize() + " but " + context.device().name() + " runs it with at most " + max
                        + " (use a tile plan with a smaller BLOCK_M)");
            }
            OpenClCompiledKernel compiled = new OpenClCompiledKernel(this, request, generated, kernel);
            kernels.put(generated.source(), compiled);
            return compiled;
        }
    }

    /**
     * The split-KV kernel of {@code request} (a decode step's, built on its first use through the
     * same policy and program cache), with its generated source. The caller holds {@link #lock}.
     */
    OpenClSplitKv splitKv(KernelRequest request) {
        Decision.OpenCl decision = (Decision.OpenCl) policy.decisions(request).getFirst();
        OpenClKernel generated = OpenClStages.splitKvSource(request);
        ClProgram program = build(generated.source(), decision, "the split-KV kernel of attention '" + request.attention().name() + "'");
        return new OpenClSplitKv(generated, program.kernel(generated.entry()),
                program.kernel(dev.attnc.compiler.codegen.opencl.OpenClCodegen.combineEntry(generated.entry())));
    }

    /** A split-KV kernel and its combine (one program), and what generated them. */
    record OpenClSplitKv(OpenClKernel generated, ClKernel kernel, ClKernel combine) {}

    /** The device's compute units: what split-KV must fill ({@link dev.attnc.compiler.target.SplitKv#opencl}). */
    int computeUnits() {
        return assumedComputeUnits > 0 ? assumedComputeUnits : context.device().computeUnits();
    }

    /**
     * Decides split-KV as on a device of {@code units} compute units (0: this device's own): tests
     * run a GPU's decisions on PoCL's two CPU units, as --opencl-limits runs a GPU's tiles.
     */
    void assumeComputeUnits(int units) {
        assumedComputeUnits = units;
    }

    private volatile int assumedComputeUnits;

    /** The program of {@code source} from the cache or the compiler; {@code what} names it in the error. */
    private ClProgram build(String source, Decision.OpenCl decision, String what) {
        try {
            return programs.get(source, decision.buildOptions());
        } catch (DeviceException e) {
            throw new DeviceException("OpenCL could not compile " + what + " for " + context.device().name() + ": " + e.getMessage(), e);
        }
    }

    /**
     * The backward pass of the forward kernel of {@code request}, through the same stages: the
     * policy's build options, the backward's source ({@link OpenClStages#backwardSource}), the
     * program cache (keyed by the source, which differs from every forward's), its four kernels.
     */
    @Override
    public boolean backwardNormalizes() {
        return true;
    }

    @Override
    public BackwardKernel compileBackward(KernelRequest request) {
        Decision.OpenCl decision = (Decision.OpenCl) policy.decisions(request).getFirst();
        OpenClBackwardKernel generated = OpenClStages.backwardSource(request);
        synchronized (lock) {
            OpenClCompiledBackward known = backwards.get(generated.source());
            if (known != null) return known;
            ClProgram program = build(generated.source(), decision, "the backward pass of attention '" + request.attention().name() + "'");
            Map<String, ClKernel> entries = new HashMap<>();
            for (String entry : List.of(OpenClBackwardKernel.DELTA, OpenClBackwardKernel.DKDV, OpenClBackwardKernel.DQ,
                    OpenClBackwardKernel.REDUCE)) {
                entries.put(entry, program.kernel(entry));
            }
            // the dK/dV kernel runs a work-item per key of a tile, the dQ kernel one per query row
            for (var e : Map.of(OpenClBackwardKernel.DKDV, request.tiles().blockN(), OpenClBackwardKernel.DQ, request.tiles().blockM()).entrySet()) {
                long max = entries.get(e.getKey()).maxWorkGroupSize();
                if (max < e.getValue()) {
                    throw new DeviceException("the backward kernel " + e.getKey() + " of attention '" + request.attention().name()
                            + "' needs work-groups of " + e.getValue() + " but " + context.device().name() + " runs it with at most "
                            + max + " (use a tile plan with smaller tiles)");
                }
            }
            OpenClCompiledBackward compiled = new OpenClCompiledBackward(this, request, generated, entries);
            backwards.put(generated.source(), compiled);
            return compiled;
        }
    }

    /** Programs compiled from source so far (cache misses); for tests. */
    public int builds() {
        synchronized (lock) {
            return programs.builds();
        }
    }

    /** A zero-filled {@code cl_mem} for a device tensor, holding a copy of {@code host} when given. */
    @Override
    public dev.attnc.backend.DeviceMemory allocate(long bytes, java.lang.foreign.MemorySegment host) {
        synchronized (lock) {
            ClBuffer buffer = host != null ? context.upload(host) : context.allocate(bytes);
            return new dev.attnc.backend.BufferMemory<>(this, lock, buffer, buffer.byteSize(), BUFFERS);
        }
    }

    /** A device tensor's {@code cl_mem}, through this backend's context (freed with it at the latest). */
    private final dev.attnc.backend.BufferMemory.Access<ClBuffer> BUFFERS = new dev.attnc.backend.BufferMemory.Access<>() {
        public void write(ClBuffer b, long at, java.lang.foreign.MemorySegment host) {
            context.write(b, at, host);
        }

        public void read(ClBuffer b, long at, java.lang.foreign.MemorySegment host) {
            context.download(b, at, host);
        }

        public boolean isOpen(ClBuffer b) {
            return b.isOpen();
        }

        public void close(ClBuffer b) {
            b.close();
        }
    };

    ClContext context() {
        return context;
    }

    @Override
    public void close() {
        synchronized (lock) {
            context.close();
        }
    }
}
