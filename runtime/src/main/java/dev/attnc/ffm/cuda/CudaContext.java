package dev.attnc.ffm.cuda;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * One GPU's primary context and one stream: loads modules, owns device memory, launches and times
 * kernels. Closing it frees every buffer and module still open, destroys the stream and releases
 * the primary context.
 *
 * <p>The primary context (not {@code cuCtxCreate}) is the one the CUDA runtime, PyTorch and other
 * libraries share, so memory can be handed between them. The CUDA "current context" is a
 * per-thread setting, so every method makes this context current first; an instance is still meant
 * for one thread at a time.
 *
 * <p>The stream is a blocking one ({@code CU_STREAM_DEFAULT}): the synchronous copies and memsets
 * below run on the legacy default stream, which waits for it, so a download after a launch sees
 * the kernel's results without an explicit synchronize. A non-blocking stream would race there:
 * a stream of another library ({@link #useStream}) may be one, so with it a download first waits for
 * that stream, and an upload waits for its copy before the next launch.
 */
public final class CudaContext implements AutoCloseable {
    private final CudaDriver driver;
    private final CudaDevice device;
    private final int handle;
    private final MemorySegment context;
    /** This context's own stream. */
    private final MemorySegment ownStream;
    /** Where launches, memsets and timings go: {@link #ownStream}, or another library's ({@link #useStream}). */
    private MemorySegment stream;
    private final Set<Owned> owned = new LinkedHashSet<>();
    private boolean closed;
    /** Written before each run that {@link #timeEach} times; more than any GPU's L2 cache. */
    private static final long L2_FLUSH_BYTES = 256L << 20;
    private DeviceBuffer flush;
    /** {@link #timeMs}'s start and end events, created on its first use, destroyed with the context. */
    private MemorySegment[] timer;
    /** Page-locked buffers of {@link #uploadQueued}, made on its first use. */
    private PinnedStaging staging;

    private CudaContext(CudaDriver driver, CudaDevice device, int handle, MemorySegment context,
            MemorySegment stream) {
        this.driver = driver;
        this.device = device;
        this.handle = handle;
        this.context = context;
        this.ownStream = stream;
        this.stream = stream;
    }

    /**
     * Queues launches, memsets and timings on {@code stream}, a {@code CUstream} of this context that
     * another library owns (PyTorch's {@code torch.cuda.current_stream().cuda_stream}), or on this
     * context's own stream again for 0. The stream is never destroyed here.
     */
    public void useStream(long stream) {
        bind();
        this.stream = stream == 0 ? ownStream : MemorySegment.ofAddress(stream);
    }

    /** Whether launches go to this context's own (blocking) stream, not to another library's. */
    public boolean usesOwnStream() {
        return !foreignStream();
    }

    private boolean foreignStream() {
        return stream != ownStream;
    }

    /** Whether this context is still open. */
    public boolean isOpen() {
        return !closed;
    }

    /**
     * Device memory another library owns, at {@code address} with {@code bytes}: passed to kernels as any
     * buffer, never freed here (closing it only forgets it).
     */
    public DeviceBuffer foreign(long address, long bytes) {
        bind();
        if (address == 0 || bytes <= 0) throw new IllegalArgumentException("foreign device memory at " + address + " of " + bytes + " bytes");
        return new DeviceBuffer(this, address, bytes, false);
    }

    /** Retains {@code device}'s primary context and creates a stream on it. */
    public static CudaContext open(CudaDevice device) {
        CudaDriver driver = CudaDriver.get();
        int handle = driver.cuDeviceGet(device.ordinal());
        MemorySegment context = driver.cuDevicePrimaryCtxRetain(handle);
        try {
            driver.cuCtxSetCurrent(context);
            return new CudaContext(driver, device, handle, context, driver.cuStreamCreate(0));
        } catch (RuntimeException e) {
            driver.cuDevicePrimaryCtxRelease(handle);
            throw e;
        }
    }

    public CudaDevice device() {
        return device;
    }

    /** Makes this context current on the calling thread and returns the driver. */
    CudaDriver bind() {
        if (closed) {
            throw new IllegalStateException("the CUDA context of " + device.name() + " is closed");
        }
        driver.cuCtxSetCurrent(context);
        return driver;
    }

    /** Loads PTX text or a cubin; a PTX that fails to JIT throws with ptxas's log in the message. */
    public CudaModule module(byte[] image) {
        CudaDriver d = bind();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment data = arena.allocate(image.length + 1L); // zeroed: the NUL that PTX text needs
            MemorySegment.copy(image, 0, data, JAVA_BYTE, 0, image.length);
            return own(new CudaModule(this, d.cuModuleLoadDataEx(data)));
        }
    }

    public CudaFunction function(CudaModule module, String name) {
        return new CudaFunction(this, module, name, bind().cuModuleGetFunction(module.handle(), name));
    }

    /** Uninitialised device memory. */
    public DeviceBuffer alloc(long bytes) {
        if (bytes <= 0) {
            throw new IllegalArgumentException("allocation of " + bytes + " bytes");
        }
        return own(new DeviceBuffer(this, bind().cuMemAlloc(bytes), bytes));
    }

    /** A new buffer holding a copy of {@code host} (native or heap memory). */
    public DeviceBuffer upload(MemorySegment host) {
        DeviceBuffer buffer = alloc(host.byteSize());
        try {
            upload(host, buffer);
            return buffer;
        } catch (RuntimeException e) {
            buffer.close();
            throw e;
        }
    }

    /** Copies all of {@code host} to the start of {@code dst}. */
    public void upload(MemorySegment host, DeviceBuffer dst) {
        upload(host, dst, 0);
    }

    /** Copies all of {@code host} into {@code dst} at {@code byteOffset}. */
    public void upload(MemorySegment host, DeviceBuffer dst, long byteOffset) {
        fits(host, dst, byteOffset);
        CudaDriver d = bind();
        if (host.isNative()) {
            d.cuMemcpyHtoD(dst.address() + byteOffset, host, host.byteSize());
        } else {
            try (Arena arena = Arena.ofConfined()) {
                d.cuMemcpyHtoD(dst.address() + byteOffset, arena.allocate(host.byteSize()).copyFrom(host), host.byteSize());
            }
        }
        // a copy from pageable memory may still be in flight on the legacy stream, which a non-blocking stream does not wait for
        if (foreignStream()) d.cuStreamSynchronize(MemorySegment.NULL);
    }

    /**
     * Queues a copy of all of {@code host} to the start of {@code dst} on this context's stream, after
     * the work queued there so far, and returns without waiting for the GPU: a small copy goes through
     * page-locked staging memory ({@link PinnedStaging}), where a copy from pageable memory would
     * wait for the kernels before it; a larger one is {@link #upload}ed.
     */
    public void uploadQueued(MemorySegment host, DeviceBuffer dst) {
        if (host.byteSize() > PinnedStaging.SLOT_BYTES) {
            upload(host, dst);
            return;
        }
        fits(host, dst, 0);
        CudaDriver d = bind();
        if (staging == null) staging = new PinnedStaging(d);
        staging.queue(host, dst.address(), stream);
    }

    /** Fills all of {@code host} from the start of {@code src}, after the work queued so far. */
    public void download(DeviceBuffer src, MemorySegment host) {
        download(src, 0, host);
    }

    /** Fills all of {@code host} from {@code src} at {@code byteOffset}, after the work queued so far. */
    public void download(DeviceBuffer src, long byteOffset, MemorySegment host) {
        fits(host, src, byteOffset);
        CudaDriver d = bind();
        if (foreignStream()) d.cuStreamSynchronize(stream); // the legacy stream's copy would not wait for a non-blocking one
        if (host.isNative()) {
            d.cuMemcpyDtoH(host, src.address() + byteOffset, host.byteSize());
            return;
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment staging = arena.allocate(host.byteSize());
            d.cuMemcpyDtoH(staging, src.address() + byteOffset, host.byteSize());
            host.copyFrom(staging);
        }
    }

    private static void fits(MemorySegment host, DeviceBuffer buffer, long byteOffset) {
        if (byteOffset < 0 || host.byteSize() + byteOffset > buffer.bytes()) {
            throw new IllegalArgumentException(
                    "copy of " + host.byteSize() + " bytes at " + byteOffset + " does not fit a device buffer of " + buffer.bytes());
        }
    }

    /** Queues setting every byte of {@code buffer} to {@code value} on this context's stream. */
    public void memset(DeviceBuffer buffer, byte value) {
        bind().cuMemsetD8Async(buffer.address(), value, buffer.bytes(), stream);
    }

    /** Queues setting every 4-byte word, e.g. to {@code Float.floatToRawIntBits(Float.NaN)} to poison an output. */
    public void memset32(DeviceBuffer buffer, int value) {
        if (buffer.bytes() % 4 != 0) {
            throw new IllegalArgumentException("memset32 of a buffer of " + buffer.bytes() + " bytes");
        }
        bind().cuMemsetD32Async(buffer.address(), value, buffer.bytes() / 4, stream);
    }

    /**
     * Queues {@code function} on this context's stream. {@code args} follow the kernel's parameter
     * list; see {@link KernelParams#pack} for the Java type that stands for each C type. Errors in
     * the launch's configuration throw here; faults while the kernel runs surface at the next
     * {@link #synchronize()}, download or timing.
     */
    public void launch(CudaFunction function, Dim3 grid, Dim3 block, int sharedBytes, Object... args) {
        queue(function, grid, block, sharedBytes, false, args);
    }

    /**
     * {@link #launch}, as a programmatic dependent launch (sm_90): {@code function}'s blocks may begin while the kernel
     * before it drains; {@code function} must wait for that kernel (griddepcontrol.wait) before it reads its results.
     */
    public void launchDependent(CudaFunction function, Dim3 grid, Dim3 block, int sharedBytes, Object... args) {
        queue(function, grid, block, sharedBytes, true, args);
    }

    private void queue(CudaFunction function, Dim3 grid, Dim3 block, int sharedBytes, boolean dependent, Object[] args) {
        CudaDriver d = bind();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment params = KernelParams.pack(arena, args);
            if (dependent) {
                d.cuLaunchKernelDependent(function.handle(), grid.x(), grid.y(), grid.z(), block.x(), block.y(), block.z(),
                        sharedBytes, stream, params);
            } else {
                d.cuLaunchKernel(function.handle(), grid.x(), grid.y(), grid.z(), block.x(), block.y(), block.z(), sharedBytes,
                        stream, params);
            }
        } catch (CudaException e) {
            throw new CudaException(e.call(), e.code(), e.getMessage() + " [kernel " + function.name() + ", grid "
                    + grid + ", block " + block + ", " + sharedBytes + " B dynamic shared memory]");
        }
    }

    /** Waits for the stream; reports faults of kernels launched before. */
    public void synchronize() {
        bind().cuStreamSynchronize(stream);
    }

    /**
     * GPU time of the work {@code launches} queues on this context, in milliseconds, from two
     * events around it. Warm up first: the first launch of a module includes its lazy loading.
     */
    public float timeMs(Runnable launches) {
        CudaDriver d = bind();
        if (timer == null) timer = new MemorySegment[] {d.cuEventCreate(0), d.cuEventCreate(0)}; // kept: two driver calls fewer a run
        d.cuEventRecord(timer[0], stream);
        launches.run();
        bind().cuEventRecord(timer[1], stream);
        d.cuEventSynchronize(timer[1]);
        return d.cuEventElapsedTime(timer[0], timer[1]);
    }

    /**
     * GPU time of each of {@code n} runs of {@code launch}, in milliseconds, taken the way
     * triton.testing.do_bench times FlexAttention: before each run the stream clears a 256 MiB
     * buffer, which empties the L2 cache and keeps the GPU busy while the host queues the launch,
     * so neither a warm cache nor the host's launch latency enters the figure. All runs are queued
     * first and read once at the end.
     */
    public float[] timeEach(int n, Runnable launch) {
        if (flush == null) flush = alloc(L2_FLUSH_BYTES);
        CudaDriver d = bind();
        List<MemorySegment> events = new ArrayList<>();
        try {
            for (int i = 0; i < 2 * n; i++) events.add(d.cuEventCreate(0));
            for (int i = 0; i < n; i++) {
                memset(flush, (byte) i);
                d.cuEventRecord(events.get(2 * i), stream);
                launch.run();
                bind().cuEventRecord(events.get(2 * i + 1), stream);
            }
            float[] ms = new float[n];
            if (n > 0) d.cuEventSynchronize(events.getLast());
            for (int i = 0; i < n; i++) ms[i] = d.cuEventElapsedTime(events.get(2 * i), events.get(2 * i + 1));
            return ms;
        } finally {
            for (MemorySegment e : events) d.cuEventDestroy(e);
        }
    }

    private <T extends Owned> T own(T resource) {
        owned.add(resource);
        return resource;
    }

    void free(DeviceBuffer buffer, long address) {
        owned.remove(buffer);
        bind().cuMemFree(address);
    }

    void unload(CudaModule module, MemorySegment moduleHandle) {
        owned.remove(module);
        bind().cuModuleUnload(moduleHandle);
    }

    /**
     * Frees what is still owned, newest first, then the stream and the context. Every step runs
     * even when one fails (after a kernel fault every call fails); the first failure is thrown.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        RuntimeException failure = null;
        if (staging != null) {
            try {
                bind();
                staging.close();
            } catch (RuntimeException e) {
                failure = first(failure, e);
            }
        }
        List<Owned> left = new ArrayList<>(owned);
        for (Owned resource : left.reversed()) {
            try {
                resource.close();
            } catch (RuntimeException e) {
                failure = first(failure, e);
            }
        }
        if (timer != null) {
            for (MemorySegment event : timer) {
                try {
                    bind().cuEventDestroy(event);
                } catch (RuntimeException e) {
                    failure = first(failure, e);
                }
            }
        }
        try {
            bind().cuStreamDestroy(ownStream);
        } catch (RuntimeException e) {
            failure = first(failure, e);
        }
        closed = true;
        try {
            driver.cuCtxSetCurrent(MemorySegment.NULL);
            driver.cuDevicePrimaryCtxRelease(handle);
        } catch (RuntimeException e) {
            failure = first(failure, e);
        }
        if (failure != null) {
            throw failure;
        }
    }

    private static RuntimeException first(RuntimeException failure, RuntimeException e) {
        if (failure == null) {
            return e;
        }
        failure.addSuppressed(e);
        return failure;
    }
}
