package dev.attnc.backend.cuda;

import dev.attnc.backend.Backend;
import dev.attnc.backend.DeviceMemory;
import dev.attnc.ffm.cuda.DeviceBuffer;
import java.lang.foreign.MemorySegment;

/**
 * A device tensor's memory on the GPU: a buffer of the backend's context, or another library's device
 * pointer (not freed here). Reads and writes go through the context under the backend's lock.
 */
final class CudaMemory implements DeviceMemory {
    private final CudaBackend backend;
    private final DeviceBuffer buffer;

    CudaMemory(CudaBackend backend, DeviceBuffer buffer) {
        this.backend = backend;
        this.buffer = buffer;
    }

    DeviceBuffer buffer() {
        return buffer;
    }

    @Override
    public Backend backend() {
        return backend;
    }

    @Override
    public long byteSize() {
        return buffer.bytes();
    }

    @Override
    public void write(long byteOffset, MemorySegment host) {
        synchronized (backend.lock) {
            backend.context().upload(host, buffer, byteOffset);
        }
    }

    @Override
    public void read(long byteOffset, MemorySegment host) {
        synchronized (backend.lock) {
            backend.context().download(buffer, byteOffset, host);
        }
    }

    @Override
    public boolean isOpen() {
        return buffer.isOpen();
    }

    @Override
    public void close() {
        synchronized (backend.lock) {
            if (buffer.context().isOpen()) buffer.close();
        }
    }
}
