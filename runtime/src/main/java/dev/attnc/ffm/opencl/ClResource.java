package dev.attnc.ffm.opencl;

import java.lang.foreign.MemorySegment;

/**
 * An OpenCL object owned by a {@link ClContext}: released by {@link #close()} or, at the latest, when
 * its context closes. A closed object throws IllegalStateException instead of handing a dangling
 * handle to the driver, which would crash the JVM rather than fail.
 */
abstract sealed class ClResource implements AutoCloseable permits ClBuffer, ClKernel, ClProgram {
    final ClContext context;
    private MemorySegment handle;

    ClResource(ClContext context, MemorySegment handle) {
        this.context = context;
        this.handle = handle;
    }

    /** The live handle; throws once closed. */
    final MemorySegment handle() {
        if (handle == null) {
            throw new IllegalStateException(getClass().getSimpleName() + " is closed");
        }
        return handle;
    }

    public final boolean isOpen() {
        return handle != null;
    }

    /** Releases the driver object; later calls do nothing. */
    @Override
    public final void close() {
        if (handle != null) {
            MemorySegment released = handle;
            handle = null;
            context.disown(this);
            release(released);
        }
    }

    /** The matching {@code clRelease*} call. */
    abstract void release(MemorySegment handle);
}
