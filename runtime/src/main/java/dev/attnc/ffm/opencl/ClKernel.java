package dev.attnc.ffm.opencl;

import static dev.attnc.ffm.opencl.OpenClLib.check;
import static dev.attnc.ffm.opencl.OpenClLib.clGetKernelWorkGroupInfo;
import static dev.attnc.ffm.opencl.OpenClLib.clReleaseKernel;
import static dev.attnc.ffm.opencl.OpenClLib.clSetKernelArg;
import static java.lang.foreign.MemorySegment.NULL;
import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.HashMap;
import java.util.Map;

/**
 * A kernel and its arguments; run it with {@link ClContext#launch}. Arguments stay set between
 * launches, as in OpenCL. Not thread-safe: {@code clSetKernelArg} on one kernel from two threads
 * races in the driver too.
 */
public final class ClKernel extends ClResource {
    private static final int CL_KERNEL_WORK_GROUP_SIZE = 0x11B0;
    private static final int CL_KERNEL_PREFERRED_WORK_GROUP_SIZE_MULTIPLE = 0x11B3;

    private final String name;
    /** Buffers bound as arguments, by index: a launch refuses to run if one was closed since. */
    private final Map<Integer, ClBuffer> buffers = new HashMap<>();

    ClKernel(ClContext context, MemorySegment handle, String name) {
        super(context, handle);
        this.name = name;
    }

    public String name() {
        return name;
    }

    /** Binds a {@code __global} pointer argument to {@code buffer}, which must belong to this kernel's context. */
    public ClKernel setArg(int index, ClBuffer buffer) {
        if (buffer.context != context) {
            throw new IllegalArgumentException("kernel " + name + " argument " + index
                    + ": the buffer belongs to another ClContext");
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment value = arena.allocateFrom(ADDRESS, buffer.handle());
            set(index, value.byteSize(), value);
        }
        buffers.put(index, buffer);
        return this;
    }

    /** Sets a {@code long} (64-bit) argument. */
    public ClKernel setArg(int index, long value) {
        try (Arena arena = Arena.ofConfined()) {
            set(index, JAVA_LONG.byteSize(), arena.allocateFrom(JAVA_LONG, value));
        }
        buffers.remove(index);
        return this;
    }

    /** Sets an {@code int} (or {@code uint}) argument. */
    public ClKernel setArg(int index, int value) {
        try (Arena arena = Arena.ofConfined()) {
            set(index, JAVA_INT.byteSize(), arena.allocateFrom(JAVA_INT, value));
        }
        buffers.remove(index);
        return this;
    }

    /** Sets a {@code float} argument. */
    public ClKernel setArg(int index, float value) {
        try (Arena arena = Arena.ofConfined()) {
            set(index, JAVA_FLOAT.byteSize(), arena.allocateFrom(JAVA_FLOAT, value));
        }
        buffers.remove(index);
        return this;
    }

    /** Sizes a {@code __local} pointer argument: the driver allocates {@code bytes} per work-group. */
    public ClKernel setLocal(int index, long bytes) {
        set(index, bytes, NULL);
        buffers.remove(index);
        return this;
    }

    /**
     * {@code CL_KERNEL_WORK_GROUP_SIZE}: the largest work-group this kernel can run with on the
     * device, which register or local-memory use can make smaller than the device's maximum.
     */
    public long maxWorkGroupSize() {
        return workGroupInfo().ulong(CL_KERNEL_WORK_GROUP_SIZE);
    }

    /** {@code CL_KERNEL_PREFERRED_WORK_GROUP_SIZE_MULTIPLE}: the warp, wavefront or SIMD width. */
    public long preferredWorkGroupSizeMultiple() {
        return workGroupInfo().ulong(CL_KERNEL_PREFERRED_WORK_GROUP_SIZE_MULTIPLE);
    }

    /** Throws unless every bound buffer is still open: the driver would read freed memory. */
    void requireOpenBuffers() {
        buffers.forEach((index, buffer) -> {
            if (!buffer.isOpen()) {
                throw new IllegalStateException("kernel " + name + " argument " + index + " is a closed ClBuffer");
            }
        });
    }

    private void set(int index, long size, MemorySegment value) {
        MemorySegment kernel = handle();
        check("clSetKernelArg", () -> (int) clSetKernelArg.invokeExact(kernel, index, size, value));
    }

    private ClInfo workGroupInfo() {
        MemorySegment kernel = handle();
        MemorySegment device = context.deviceHandle();
        return new ClInfo("clGetKernelWorkGroupInfo", (param, size, value, sizeRet) ->
                (int) clGetKernelWorkGroupInfo.invokeExact(kernel, device, param, size, value, sizeRet));
    }

    @Override
    void release(MemorySegment handle) {
        check("clReleaseKernel", () -> (int) clReleaseKernel.invokeExact(handle));
    }
}
