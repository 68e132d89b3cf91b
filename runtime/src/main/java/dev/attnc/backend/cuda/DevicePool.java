package dev.attnc.backend.cuda;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

/**
 * Device memory that calls borrow and give back, so that a decode step's small arguments (block
 * plan arrays, lengths, page tables) and split-KV partials do not cost a {@code cuMemAlloc} and a
 * {@code cuMemFree} (which waits for the device) on every call. Buffers are kept idle by
 * power-of-two size class, up to {@link #LARGEST_POOLED} each and {@link #MOST_IDLE} in all; a
 * larger request is allocated and freed as before. Not thread-safe: the backend's lock guards it.
 * Idle buffers are freed with the context that owns them.
 *
 * @param <B> a device buffer (generic so that tests can count allocations without a GPU)
 */
final class DevicePool<B> {
    /** Allocates and frees device memory. */
    interface Allocator<B> {
        B allocate(long bytes);

        void free(B buffer);
    }

    /** A borrowed buffer: at least the bytes asked for ({@code sizeClass}, or exactly those when not pooled). */
    record Loan<B>(B buffer, long sizeClass, boolean pooled) {}

    static final long SMALLEST_CLASS = 256;
    static final long LARGEST_POOLED = 64L << 20;
    static final long MOST_IDLE = 256L << 20;

    private final Allocator<B> allocator;
    private final Map<Long, ArrayDeque<B>> idle = new HashMap<>();
    private long idleBytes;

    DevicePool(Allocator<B> allocator) {
        this.allocator = allocator;
    }

    /** The smallest size class holding {@code bytes}. */
    static long sizeClass(long bytes) {
        if (bytes <= SMALLEST_CLASS) return SMALLEST_CLASS;
        return Long.highestOneBit(bytes - 1) << 1;
    }

    Loan<B> take(long bytes) {
        if (bytes <= 0) throw new IllegalArgumentException("a loan of " + bytes + " bytes");
        long size = sizeClass(bytes);
        if (size > LARGEST_POOLED) return new Loan<>(allocator.allocate(bytes), bytes, false);
        ArrayDeque<B> free = idle.get(size);
        if (free != null && !free.isEmpty()) {
            idleBytes -= size;
            return new Loan<>(free.pop(), size, true);
        }
        return new Loan<>(allocator.allocate(size), size, true);
    }

    /**
     * Takes a loan back: idle for the next call, or freed when it was not pooled, when the pool is full,
     * or when {@code reusable} is false (work queued on it may still be running).
     */
    void give(Loan<B> loan, boolean reusable) {
        if (!reusable || !loan.pooled() || idleBytes + loan.sizeClass() > MOST_IDLE) {
            allocator.free(loan.buffer());
            return;
        }
        idle.computeIfAbsent(loan.sizeClass(), k -> new ArrayDeque<>()).push(loan.buffer());
        idleBytes += loan.sizeClass();
    }

    /** Bytes kept idle now. */
    long idleBytes() {
        return idleBytes;
    }
}
