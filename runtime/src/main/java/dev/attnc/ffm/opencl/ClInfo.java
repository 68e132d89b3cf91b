package dev.attnc.ffm.opencl;

import static java.lang.foreign.MemorySegment.NULL;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * One {@code clGet*Info} function bound to its object, so the size-then-value protocol and the
 * native scratch memory live here once instead of at every query.
 */
final class ClInfo {
    /** {@code clGet*Info(object, param, size, value, size_ret)} with the object already bound. */
    @FunctionalInterface
    interface Query {
        int get(int param, long size, MemorySegment value, MemorySegment sizeRet) throws Throwable;
    }

    private final String function;
    private final Query query;

    ClInfo(String function, Query query) {
        this.function = function;
        this.query = query;
    }

    /** A {@code char[]} value: asks for its length first, since names and build logs have no bound. */
    String string(int param) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment size = arena.allocate(JAVA_LONG);
            get(param, 0, NULL, size);
            MemorySegment value = arena.allocate(Math.max(1, size.get(JAVA_LONG, 0)));
            get(param, value.byteSize(), value, NULL);
            return value.getString(0);
        }
    }

    /** A {@code cl_uint} value. */
    int uint(int param) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment value = arena.allocate(JAVA_INT);
            get(param, value.byteSize(), value, NULL);
            return value.get(JAVA_INT, 0);
        }
    }

    /** A {@code cl_ulong}, {@code size_t} or bitfield value: all 64 bits wide here. */
    long ulong(int param) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment value = arena.allocate(JAVA_LONG);
            get(param, value.byteSize(), value, NULL);
            return value.get(JAVA_LONG, 0);
        }
    }

    private void get(int param, long size, MemorySegment value, MemorySegment sizeRet) {
        OpenClLib.check(function, () -> query.get(param, size, value, sizeRet));
    }
}
