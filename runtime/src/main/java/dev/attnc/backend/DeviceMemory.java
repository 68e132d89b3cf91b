package dev.attnc.backend;

import java.lang.foreign.MemorySegment;

/**
 * Memory on a backend's device that a {@link dev.attnc.DeviceTensor} lives in: the host's own memory
 * on the CPU backend (no copies), a {@code cl_mem} on OpenCL, a device pointer on CUDA (owned, or
 * another library's). Byte offsets are from the start of this memory; reads and writes are complete
 * when they return, and wait for the kernels queued before them.
 */
public interface DeviceMemory extends AutoCloseable {
    /** The backend whose device holds this memory. */
    Backend backend();

    long byteSize();

    /** Copies all of {@code host} to this memory at {@code byteOffset}. */
    void write(long byteOffset, MemorySegment host);

    /** Fills all of {@code host} from this memory at {@code byteOffset}. */
    void read(long byteOffset, MemorySegment host);

    /** The memory itself when the device is the host (the java backend): kernels read it where it lies; else null. */
    default MemorySegment hostSegment() {
        return null;
    }

    /** Whether the memory is still usable (not closed, nor its backend). */
    boolean isOpen();

    /** Frees the memory if this object owns it (memory wrapped from another library is only forgotten); later calls do nothing. */
    @Override
    void close();
}
