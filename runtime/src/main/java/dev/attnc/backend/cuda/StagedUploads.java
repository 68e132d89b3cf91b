package dev.attnc.backend.cuda;

import dev.attnc.ffm.cuda.CudaContext;
import dev.attnc.ffm.cuda.DeviceBuffer;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The small host arrays one call's launches read (the block plan's runs, per-sequence lengths, page
 * tables, a tile order, small parameter tensors), packed at binding into one device buffer and copied
 * there in one copy queued before the first launch ({@link #flush}), instead of one copy each: a copy
 * from pageable host memory is a synchronous round trip through the driver that also waits for the
 * kernels queued before it, several a decode step. The one copy goes through page-locked memory
 * ({@link CudaContext#uploadQueued}), so the host does not wait for the previous step's kernels.
 * Empty arrays, and those larger than a quarter of the buffer, get their own copy, at once.
 */
final class StagedUploads implements Function<MemorySegment, Object> {
    static final int CAPACITY = 64 << 10, ALIGN = 256;
    private final CudaContext ctx;
    private final Supplier<DeviceBuffer> borrow;
    private final Function<MemorySegment, DeviceBuffer> alone;
    private final Function<DeviceBuffer, DeviceBuffer> keep;
    private final List<MemorySegment> parts = new ArrayList<>();
    private final List<Integer> offsets = new ArrayList<>();
    private DeviceBuffer device;
    private int used;

    /**
     * @param borrow the device buffer of {@link #CAPACITY} bytes, taken on the first small array
     * @param alone uploads a large array on its own
     * @param keep records a slice of the buffer for the call to release (slices own no memory)
     */
    StagedUploads(CudaContext ctx, Supplier<DeviceBuffer> borrow, Function<MemorySegment, DeviceBuffer> alone,
            Function<DeviceBuffer, DeviceBuffer> keep) {
        this.ctx = ctx;
        this.borrow = borrow;
        this.alone = alone;
        this.keep = keep;
    }

    /** Where {@code host} will lie on the device once {@link #flush} has run. */
    @Override
    public Object apply(MemorySegment host) {
        long size = host.byteSize();
        int at = (used + ALIGN - 1) / ALIGN * ALIGN;
        if (size == 0 || size > CAPACITY / 4 || at + size > CAPACITY) return alone.apply(host);
        if (device == null) device = borrow.get();
        parts.add(host);
        offsets.add(at);
        used = at + (int) size;
        return keep.apply(ctx.foreign(device.address() + at, size));
    }

    /** Copies the arrays taken since the last flush to the device, in one copy. */
    void flush() {
        if (parts.isEmpty()) return;
        MemorySegment packed = MemorySegment.ofArray(new byte[used]);
        for (int i = 0; i < parts.size(); i++) MemorySegment.copy(parts.get(i), 0, packed, offsets.get(i), parts.get(i).byteSize());
        ctx.uploadQueued(packed, device);
        parts.clear();
        offsets.clear();
    }
}
