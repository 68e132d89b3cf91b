package dev.attnc.backend.cpu;

import dev.attnc.backend.Backend;
import dev.attnc.backend.DeviceMemory;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * The CPU backend's "device" memory: host memory, which kernels read where it lies. Made over a host
 * tensor's memory (no copy: the device tensor and the host tensor are one) or newly allocated, zeroed
 * and freed when unreachable; closing only makes it unusable.
 */
final class HostMemory implements DeviceMemory {
    private static final long ALIGNMENT = 64;
    private final Backend backend;
    private final MemorySegment segment;
    private boolean closed;

    HostMemory(Backend backend, long bytes, MemorySegment host) {
        this.backend = backend;
        this.segment = host != null ? host : Arena.ofAuto().allocate(bytes, ALIGNMENT);
    }

    @Override
    public Backend backend() {
        return backend;
    }

    @Override
    public long byteSize() {
        return segment.byteSize();
    }

    @Override
    public void write(long byteOffset, MemorySegment host) {
        hostSegment().asSlice(byteOffset, host.byteSize()).copyFrom(host);
    }

    @Override
    public void read(long byteOffset, MemorySegment host) {
        host.copyFrom(hostSegment().asSlice(byteOffset, host.byteSize()));
    }

    @Override
    public MemorySegment hostSegment() {
        if (closed) throw new IllegalStateException("this host memory of " + segment.byteSize() + " bytes is closed");
        return segment;
    }

    @Override
    public boolean isOpen() {
        return !closed;
    }

    @Override
    public void close() {
        closed = true;
    }
}
