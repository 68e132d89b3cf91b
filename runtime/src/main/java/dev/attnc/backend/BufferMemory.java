package dev.attnc.backend;

import java.lang.foreign.MemorySegment;

/**
 * A device tensor's memory on a device backend: one buffer of the backend's context ({@code cl_mem},
 * a CUDA allocation or another library's pointer), reached through {@code access} under the backend's
 * lock, as every other use of its context is.
 */
public final class BufferMemory<B> implements DeviceMemory {
    /** How a backend copies to and from, checks and frees one of its buffers. */
    public interface Access<B> {
        void write(B buffer, long byteOffset, MemorySegment host);

        void read(B buffer, long byteOffset, MemorySegment host);

        boolean isOpen(B buffer);

        void close(B buffer);
    }

    private final Backend backend;
    private final Object lock;
    private final B buffer;
    private final long byteSize;
    private final Access<B> access;

    public BufferMemory(Backend backend, Object lock, B buffer, long byteSize, Access<B> access) {
        this.backend = backend;
        this.lock = lock;
        this.buffer = buffer;
        this.byteSize = byteSize;
        this.access = access;
    }

    /** The backend's own buffer, for binding to its kernels. */
    public B buffer() {
        return buffer;
    }

    @Override
    public Backend backend() {
        return backend;
    }

    @Override
    public long byteSize() {
        return byteSize;
    }

    @Override
    public void write(long byteOffset, MemorySegment host) {
        synchronized (lock) {
            access.write(buffer, byteOffset, host);
        }
    }

    @Override
    public void read(long byteOffset, MemorySegment host) {
        synchronized (lock) {
            access.read(buffer, byteOffset, host);
        }
    }

    @Override
    public boolean isOpen() {
        return access.isOpen(buffer);
    }

    @Override
    public void close() {
        synchronized (lock) {
            access.close(buffer);
        }
    }
}
