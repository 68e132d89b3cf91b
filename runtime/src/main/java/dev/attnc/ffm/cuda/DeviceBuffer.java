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
    private boolean closed;

    DeviceBuffer(CudaContext context, long address, long bytes) {
        this.context = context;
        this.address = address;
        this.bytes = bytes;
    }

    /** The {@code CUdeviceptr}; using it after close is a use-after-free, hence the check. */
    public long address() {
        if (closed) {
            throw new IllegalStateException("device buffer of " + bytes + " bytes is already freed");
        }
        return address;
    }

    public long bytes() {
        return bytes;
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            context.free(this, address);
        }
    }
}
