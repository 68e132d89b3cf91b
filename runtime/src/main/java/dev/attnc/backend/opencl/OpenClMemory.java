package dev.attnc.backend.opencl;

import dev.attnc.backend.Backend;
import dev.attnc.backend.DeviceMemory;
import dev.attnc.ffm.opencl.ClBuffer;
import java.lang.foreign.MemorySegment;

/** A device tensor's {@code cl_mem}, read and written through the backend's context under its lock; freed with the context at the latest. */
final class OpenClMemory implements DeviceMemory {
    private final OpenClBackend backend;
    private final ClBuffer buffer;

    OpenClMemory(OpenClBackend backend, ClBuffer buffer) {
        this.backend = backend;
        this.buffer = buffer;
    }

    ClBuffer buffer() {
        return buffer;
    }

    @Override
    public Backend backend() {
        return backend;
    }

    @Override
    public long byteSize() {
        return buffer.byteSize();
    }

    @Override
    public void write(long byteOffset, MemorySegment host) {
        synchronized (backend.lock) {
            backend.context().write(buffer, byteOffset, host);
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
            buffer.close();
        }
    }
}
