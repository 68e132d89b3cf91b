package dev.attnc.ffm.cuda;

/**
 * Device memory from {@code cuMemAlloc}; {@link #close()} frees it (once), and so does closing its
 * {@link CudaContext}. Pass it to {@link CudaContext#launch} for a pointer parameter; for a
 * pointer into its middle pass {@code address() + offset} as a {@code long}.
 */
public final class DeviceBuffer implements Owned {
    private final CudaContext context;
    private final long address;
    private final long bytes;
    /** Whether {@link #close} frees the memory: false for memory another library owns ({@link CudaContext#foreign}). */
    private final boolean owner;
    private boolean closed;

    DeviceBuffer(CudaContext context, long address, long bytes) {
        this(context, address, bytes, true);
    }

    DeviceBuffer(CudaContext context, long address, long bytes, boolean owner) {
        this.context = context;
        this.address = address;
        this.bytes = bytes;
        this.owner = owner;
    }

    /** The {@code CUdeviceptr}; using it after close is a use-after-free, hence the check. */
    public long address() {
        if (closed) {
            throw new IllegalStateException("device buffer of " + bytes + " bytes is already freed");
        }
        return address;
    }

    /** Whether the memory is still usable: not closed, nor its context. */
    public boolean isOpen() {
        return !closed && context.isOpen();
    }

    public CudaContext context() {
        return context;
    }

    public long bytes() {
        return bytes;
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            if (owner) context.free(this, address);
        }
    }
}
