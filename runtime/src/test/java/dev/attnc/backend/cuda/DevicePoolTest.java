package dev.attnc.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The pool that spares decode steps their cuMemAlloc/cuMemFree, over a counting allocator (no GPU). */
class DevicePoolTest {
    /** A buffer of the fake allocator: its size and whether it was freed. */
    static final class Fake {
        final long bytes;
        boolean freed;

        Fake(long bytes) {
            this.bytes = bytes;
        }
    }

    private final List<Fake> allocated = new ArrayList<>();
    private final DevicePool<Fake> pool = new DevicePool<>(new DevicePool.Allocator<>() {
        public Fake allocate(long bytes) {
            Fake f = new Fake(bytes);
            allocated.add(f);
            return f;
        }

        public void free(Fake f) {
            if (f.freed) throw new IllegalStateException("freed twice");
            f.freed = true;
        }
    });

    @Test
    void sizeClassesArePowersOfTwoFromTheSmallest() {
        assertEquals(256, DevicePool.sizeClass(1));
        assertEquals(256, DevicePool.sizeClass(256));
        assertEquals(512, DevicePool.sizeClass(257));
        assertEquals(1 << 20, DevicePool.sizeClass((1 << 20) - 3));
        assertEquals(1L << 33, DevicePool.sizeClass((1L << 32) + 1));
    }

    @Test
    void aStepThatAsksForTheSameBuffersAllocatesOnlyOnce() {
        for (int step = 0; step < 100; step++) {
            var lens = pool.take(32);
            var plan = pool.take(3000 + step); // grows a little each step: the same class
            var partials = pool.take(4L << 20);
            pool.give(lens, true);
            pool.give(plan, true);
            pool.give(partials, true);
        }
        assertEquals(3, allocated.size());
        assertEquals(256 + 4096 + (4 << 20), pool.idleBytes());
        assertFalse(allocated.stream().anyMatch(f -> f.freed));
    }

    @Test
    void twoLoansAtOnceGetTwoBuffers() {
        var a = pool.take(100);
        var b = pool.take(100);
        assertNotSame(a.buffer(), b.buffer());
        pool.give(a, true);
        assertSame(a.buffer(), pool.take(200).buffer());
    }

    @Test
    void memoryThatQueuedWorkMayStillUseIsFreedNotReused() {
        var a = pool.take(1000);
        pool.give(a, false);
        assertEquals(true, a.buffer().freed);
        assertEquals(0, pool.idleBytes());
        assertNotSame(a.buffer(), pool.take(1000).buffer());
    }

    @Test
    void largeRequestsAreExactAndNeverKept() {
        long big = DevicePool.LARGEST_POOLED + 1;
        var loan = pool.take(big);
        assertEquals(big, loan.buffer().bytes);
        pool.give(loan, true);
        assertEquals(true, loan.buffer().freed);
        assertEquals(0, pool.idleBytes());
    }

    @Test
    void theIdleMemoryIsBounded() {
        List<DevicePool.Loan<Fake>> loans = new ArrayList<>();
        for (int i = 0; i < 10; i++) loans.add(pool.take(DevicePool.LARGEST_POOLED));
        for (var l : loans) pool.give(l, true);
        assertEquals(DevicePool.MOST_IDLE, pool.idleBytes());
        assertEquals(10 - DevicePool.MOST_IDLE / DevicePool.LARGEST_POOLED, allocated.stream().filter(f -> f.freed).count());
    }

    @Test
    void anEmptyLoanIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> pool.take(0));
    }
}
