package dev.attnc.ffm.opencl;

import static dev.attnc.ffm.opencl.OpenClLib.check;
import static dev.attnc.ffm.opencl.OpenClLib.clReleaseMemObject;

import java.lang.foreign.MemorySegment;

/** Device memory ({@code cl_mem}); made by {@link ClContext#allocate} or {@link ClContext#upload}. */
public final class ClBuffer extends ClResource {
    private final long byteSize;

    ClBuffer(ClContext context, MemorySegment handle, long byteSize) {
        super(context, handle);
        this.byteSize = byteSize;
    }

    public long byteSize() {
        return byteSize;
    }

    @Override
    void release(MemorySegment handle) {
        check("clReleaseMemObject", () -> (int) clReleaseMemObject.invokeExact(handle));
    }
}
