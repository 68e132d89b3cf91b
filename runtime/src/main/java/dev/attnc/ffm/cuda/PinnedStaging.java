package dev.attnc.ffm.cuda;

import java.lang.foreign.MemorySegment;
import java.util.ArrayDeque;

/**
 * Page-locked host buffers through which a context queues small copies to the device
 * ({@code cuMemcpyHtoDAsync} on its stream). A copy from pageable memory makes the host wait for the
 * work queued before it; through a pinned buffer the host copies the bytes once, queues the copy and
 * goes on, so a decode step's host work overlaps the previous step's kernels. A buffer is reused
 * once the event recorded after its copy has passed; at most {@link #MOST_SLOTS} are in flight (the
 * host then waits for the oldest). Not thread-safe: the context's callers hold the backend's lock.
 */
final class PinnedStaging implements AutoCloseable {
    /** The largest copy staged (StagedUploads packs a call's small arrays into one of this size). */
    static final long SLOT_BYTES = 64 << 10;
    static final int MOST_SLOTS = 16;
    private static final int EVENT_DISABLE_TIMING = 2;

    private record Slot(MemorySegment memory, MemorySegment event) {}

    private final CudaDriver driver;
    /** Slots whose copies were queued, oldest first. */
    private final ArrayDeque<Slot> inFlight = new ArrayDeque<>();

    PinnedStaging(CudaDriver driver) {
        this.driver = driver;
    }

    /** Queues a copy of {@code host} (at most {@link #SLOT_BYTES}) to device address {@code dst} on {@code stream}. */
    void queue(MemorySegment host, long dst, MemorySegment stream) {
        if (host.byteSize() > SLOT_BYTES) throw new IllegalArgumentException(host.byteSize() + " bytes do not fit a staging slot");
        Slot slot = take();
        MemorySegment.copy(host, 0, slot.memory(), 0, host.byteSize());
        try {
            driver.cuMemcpyHtoDAsync(dst, slot.memory(), host.byteSize(), stream);
            driver.cuEventRecord(slot.event(), stream);
        } finally {
            inFlight.addLast(slot); // even after a failure: freed on close, after the stream's work
        }
    }

    /** The oldest slot once its copy has run (waiting for it when all are in flight), else a new one. */
    private Slot take() {
        Slot oldest = inFlight.peekFirst();
        if (oldest != null && (inFlight.size() >= MOST_SLOTS || driver.cuEventQuery(oldest.event()))) {
            driver.cuEventSynchronize(oldest.event());
            return inFlight.removeFirst();
        }
        return new Slot(driver.cuMemHostAlloc(SLOT_BYTES), driver.cuEventCreate(EVENT_DISABLE_TIMING));
    }

    /** Waits for the queued copies and frees every slot. */
    @Override
    public void close() {
        RuntimeException failure = null;
        for (Slot slot : inFlight) {
            try {
                driver.cuEventSynchronize(slot.event());
                driver.cuEventDestroy(slot.event());
                driver.cuMemFreeHost(slot.memory());
            } catch (RuntimeException e) {
                if (failure == null) failure = e;
                else failure.addSuppressed(e);
            }
        }
        inFlight.clear();
        if (failure != null) throw failure;
    }
}
