package dev.attnc.ffm.opencl;

import static dev.attnc.ffm.opencl.OpenClLib.check;
import static dev.attnc.ffm.opencl.OpenClLib.clCreateBuffer;
import static dev.attnc.ffm.opencl.OpenClLib.clCreateCommandQueue;
import static dev.attnc.ffm.opencl.OpenClLib.clCreateContext;
import static dev.attnc.ffm.opencl.OpenClLib.clEnqueueFillBuffer;
import static dev.attnc.ffm.opencl.OpenClLib.clEnqueueNDRangeKernel;
import static dev.attnc.ffm.opencl.OpenClLib.clEnqueueReadBuffer;
import static dev.attnc.ffm.opencl.OpenClLib.clEnqueueWriteBuffer;
import static dev.attnc.ffm.opencl.OpenClLib.clFinish;
import static dev.attnc.ffm.opencl.OpenClLib.clGetEventProfilingInfo;
import static dev.attnc.ffm.opencl.OpenClLib.clReleaseCommandQueue;
import static dev.attnc.ffm.opencl.OpenClLib.clReleaseContext;
import static dev.attnc.ffm.opencl.OpenClLib.clReleaseEvent;
import static dev.attnc.ffm.opencl.OpenClLib.clWaitForEvents;
import static dev.attnc.ffm.opencl.OpenClLib.create;
import static dev.attnc.ffm.opencl.OpenClLib.status;
import static java.lang.foreign.MemorySegment.NULL;
import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.attnc.DeviceException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.SequencedSet;

/**
 * One device with an in-order, profiling command queue; everything made through it (programs,
 * kernels, buffers) is released when it closes. Transfers are blocking and {@link #launch} waits
 * for the kernel, so results are ready when a call returns. Use a context from one thread at a time.
 */
public final class ClContext implements AutoCloseable {
    private static final long CL_CONTEXT_PLATFORM = 0x1084;
    private static final long CL_QUEUE_PROFILING_ENABLE = 1 << 1;
    private static final long CL_MEM_READ_WRITE = 1;
    private static final long CL_MEM_COPY_HOST_PTR = 1 << 5;
    private static final int CL_TRUE = 1;
    private static final int CL_PROFILING_COMMAND_START = 0x1282;
    private static final int CL_PROFILING_COMMAND_END = 0x1283;
    /** The largest pattern clEnqueueFillBuffer accepts; bigger patterns fill faster. */
    private static final long MAX_FILL_PATTERN = 128;

    private final ClDevice device;
    private final MemorySegment deviceHandle;
    private final MemorySegment context;
    private final MemorySegment queue;
    /** Live objects made through this context, in creation order. */
    private final SequencedSet<ClResource> owned = new LinkedHashSet<>();
    private boolean closed;

    private ClContext(ClDevice device, MemorySegment context, MemorySegment queue) {
        this.device = device;
        this.deviceHandle = MemorySegment.ofAddress(device.id());
        this.context = context;
        this.queue = queue;
    }

    /**
     * Opens {@code device}, which must be one {@link OpenCl#devices()} lists: its id is checked
     * against the driver's, since a made-up id would crash the JVM inside the driver.
     */
    public static ClContext open(ClDevice device) {
        if (OpenCl.devices().stream().noneMatch(d -> d.id() == device.id())) {
            throw new IllegalArgumentException("not a device OpenCL lists: " + device.name());
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment dev = MemorySegment.ofAddress(device.id());
            MemorySegment properties =
                    arena.allocateFrom(JAVA_LONG, CL_CONTEXT_PLATFORM, device.platform().id(), 0L);
            MemorySegment devices = arena.allocateFrom(ADDRESS, dev);
            MemorySegment context = create("clCreateContext",
                    err -> (MemorySegment) clCreateContext.invokeExact(properties, 1, devices, NULL, NULL, err));
            try {
                MemorySegment queue = create("clCreateCommandQueue", err ->
                        (MemorySegment) clCreateCommandQueue.invokeExact(context, dev, CL_QUEUE_PROFILING_ENABLE, err));
                return new ClContext(device, context, queue);
            } catch (DeviceException e) {
                status(() -> (int) clReleaseContext.invokeExact(context)); // the queue's error is the one to report
                throw e;
            }
        }
    }

    public ClDevice device() {
        return device;
    }

    /**
     * Compiles OpenCL C {@code source} with build {@code options} (may be null).
     *
     * @throws DeviceException {@code clBuildProgram: CL_BUILD_PROGRAM_FAILURE} followed by the build log
     */
    public ClProgram build(String source, String options) {
        return ClProgram.fromSource(this, source, options);
    }

    /**
     * Loads a program from {@link ClProgram#binary()} of the same device and driver.
     *
     * @throws DeviceException {@code CL_INVALID_BINARY} when the binary is for another device or driver
     */
    public ClProgram fromBinary(byte[] binary) {
        return ClProgram.fromBinary(this, binary);
    }

    /** A zero-filled buffer: kernels that accumulate into their output need no separate clearing pass. */
    public ClBuffer allocate(long bytes) {
        ClBuffer buffer = newBuffer(bytes);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment q = queue();
            MemorySegment mem = buffer.handle();
            long patternSize = Math.min(MAX_FILL_PATTERN, Long.lowestOneBit(bytes));
            MemorySegment zeros = arena.allocate(patternSize);
            check("clEnqueueFillBuffer", () -> (int)
                    clEnqueueFillBuffer.invokeExact(q, mem, zeros, patternSize, 0L, bytes, 0, NULL, NULL));
        } catch (RuntimeException e) {
            buffer.close();
            throw e;
        }
        return buffer;
    }

    /**
     * A buffer holding a copy of {@code host}; a heap segment is staged through native memory. The copy
     * is made as the buffer is created (CL_MEM_COPY_HOST_PTR), not by a blocking write on the queue:
     * a decode step's small arguments (plan arrays, lengths, page tables) then cost no queue round trip each.
     */
    public ClBuffer upload(MemorySegment host) {
        long bytes = host.byteSize();
        if (bytes <= 0) throw new IllegalArgumentException("an OpenCL buffer needs at least one byte, not " + bytes);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment ctx = contextHandle();
            MemorySegment src = host.isNative() ? host : arena.allocate(bytes).copyFrom(host);
            MemorySegment mem = create("clCreateBuffer",
                    err -> (MemorySegment) clCreateBuffer.invokeExact(ctx, CL_MEM_READ_WRITE | CL_MEM_COPY_HOST_PTR, bytes, src, err));
            return own(new ClBuffer(this, mem, bytes));
        }
    }

    /** Copies the first {@code host.byteSize()} bytes of {@code buffer} into {@code host}. */
    public void download(ClBuffer buffer, MemorySegment host) {
        download(buffer, 0, host);
    }

    /** Copies all of {@code host} into {@code buffer} at {@code byteOffset}, in place; done when it returns. */
    public void write(ClBuffer buffer, long byteOffset, MemorySegment host) {
        requireOwn(buffer);
        long bytes = host.byteSize();
        if (byteOffset < 0 || byteOffset + bytes > buffer.byteSize()) {
            throw new IllegalArgumentException(bytes + " bytes at " + byteOffset + " do not fit in a buffer of " + buffer.byteSize() + " bytes");
        }
        if (bytes == 0) return;
        MemorySegment q = queue();
        MemorySegment mem = buffer.handle();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment src = host.isNative() ? host : arena.allocate(bytes).copyFrom(host);
            check("clEnqueueWriteBuffer", () -> (int)
                    clEnqueueWriteBuffer.invokeExact(q, mem, CL_TRUE, byteOffset, bytes, src, 0, NULL, NULL));
        }
    }

    /** Copies {@code host.byteSize()} bytes of {@code buffer} from {@code byteOffset} into {@code host}. */
    public void download(ClBuffer buffer, long byteOffset, MemorySegment host) {
        requireOwn(buffer);
        long bytes = host.byteSize();
        if (byteOffset < 0 || byteOffset + bytes > buffer.byteSize()) {
            throw new IllegalArgumentException("the host segment (" + bytes + " bytes) is larger than the buffer ("
                    + buffer.byteSize() + " bytes)");
        }
        if (host.isReadOnly()) {
            throw new IllegalArgumentException("cannot download into a read-only segment");
        }
        if (bytes == 0) {
            return;
        }
        MemorySegment q = queue();
        MemorySegment mem = buffer.handle();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment dst = host.isNative() ? host : arena.allocate(bytes);
            check("clEnqueueReadBuffer", () -> (int)
                    clEnqueueReadBuffer.invokeExact(q, mem, CL_TRUE, byteOffset, bytes, dst, 0, NULL, NULL));
            if (dst != host) {
                host.copyFrom(dst);
            }
        }
    }

    /**
     * Runs {@code kernel} over {@code global} work-items (1 to 3 dimensions) in work-groups of
     * {@code local} (null: the driver chooses) and waits for it.
     *
     * @return the kernel's execution time on the device in nanoseconds (profiling START to END),
     *     free of launch and queueing overhead
     */
    public long launch(ClKernel kernel, long[] global, long[] local) {
        requireOwn(kernel);
        if (global.length < 1 || global.length > 3 || (local != null && local.length != global.length)) {
            throw new IllegalArgumentException("launch needs 1 to 3 global sizes and as many local sizes (or null)");
        }
        kernel.requireOpenBuffers();
        MemorySegment q = queue();
        MemorySegment k = kernel.handle();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment globalSizes = arena.allocateFrom(JAVA_LONG, global);
            MemorySegment localSizes = local == null ? NULL : arena.allocateFrom(JAVA_LONG, local);
            MemorySegment eventSlot = arena.allocate(ADDRESS);
            check("clEnqueueNDRangeKernel", () -> (int) clEnqueueNDRangeKernel.invokeExact(
                    q, k, global.length, NULL, globalSizes, localSizes, 0, NULL, eventSlot));
            MemorySegment event = eventSlot.get(ADDRESS, 0);
            try {
                check("clWaitForEvents", () -> (int) clWaitForEvents.invokeExact(1, eventSlot));
                var profile = new ClInfo("clGetEventProfilingInfo", (param, size, value, sizeRet) ->
                        (int) clGetEventProfilingInfo.invokeExact(event, param, size, value, sizeRet));
                return profile.ulong(CL_PROFILING_COMMAND_END) - profile.ulong(CL_PROFILING_COMMAND_START);
            } finally {
                check("clReleaseEvent", () -> (int) clReleaseEvent.invokeExact(event));
            }
        }
    }

    /**
     * Waits for queued work, then releases every object made through this context, the queue and the
     * context. Every release is attempted; the first failure is thrown after, the rest suppressed.
     * Later calls do nothing.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        List<Runnable> steps = new ArrayList<>();
        steps.add(() -> check("clFinish", () -> (int) clFinish.invokeExact(queue)));
        owned.reversed().forEach(resource -> steps.add(resource::close));
        steps.add(() -> check("clReleaseCommandQueue", () -> (int) clReleaseCommandQueue.invokeExact(queue)));
        steps.add(() -> check("clReleaseContext", () -> (int) clReleaseContext.invokeExact(context)));
        DeviceException failure = null;
        for (Runnable step : steps) {
            try {
                step.run();
            } catch (DeviceException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    <T extends ClResource> T own(T resource) {
        owned.add(resource);
        return resource;
    }

    void disown(ClResource resource) {
        owned.remove(resource);
    }

    MemorySegment deviceHandle() {
        return deviceHandle;
    }

    private ClBuffer newBuffer(long bytes) {
        if (bytes <= 0) {
            throw new IllegalArgumentException("an OpenCL buffer needs at least one byte, not " + bytes);
        }
        MemorySegment ctx = contextHandle();
        MemorySegment mem = create("clCreateBuffer",
                err -> (MemorySegment) clCreateBuffer.invokeExact(ctx, CL_MEM_READ_WRITE, bytes, NULL, err));
        return own(new ClBuffer(this, mem, bytes));
    }

    private void requireOwn(ClResource resource) {
        if (resource.context != this) {
            throw new IllegalArgumentException(resource.getClass().getSimpleName() + " belongs to another ClContext");
        }
    }

    /** The live {@code cl_context}; throws once closed. */
    MemorySegment contextHandle() {
        if (closed) {
            throw new IllegalStateException("ClContext is closed");
        }
        return context;
    }

    private MemorySegment queue() {
        contextHandle();
        return queue;
    }
}
