package dev.attnc.ffm.cuda;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Packs launch arguments into {@code cuLaunchKernel}'s {@code void** kernelParams}: one native
 * copy of each value, and an array of pointers to them. The driver reads the values during the
 * launch call, so the copies may die with the caller's arena right after it.
 */
final class KernelParams {
    private KernelParams() {}

    /**
     * The Java type picks the C type, as in a C call: {@link DeviceBuffer} → {@code T*},
     * {@code Integer} → {@code int}, {@code Long} → {@code long long}/{@code size_t}/raw pointer,
     * {@code Float} → {@code float}, {@code Double} → {@code double}, {@link TensorMap} → a
     * 64-byte-aligned {@code CUtensorMap} by value (a {@code const __grid_constant__} parameter).
     */
    static MemorySegment pack(Arena arena, Object[] args) {
        MemorySegment params = arena.allocate(ADDRESS, Math.max(1, args.length));
        for (int i = 0; i < args.length; i++) {
            MemorySegment value = switch (args[i]) {
                case DeviceBuffer buffer -> arena.allocateFrom(JAVA_LONG, buffer.address());
                case Integer v -> arena.allocateFrom(JAVA_INT, v);
                case Long v -> arena.allocateFrom(JAVA_LONG, v);
                case Float v -> arena.allocateFrom(JAVA_FLOAT, v);
                case Double v -> arena.allocateFrom(JAVA_DOUBLE, v);
                case TensorMap map -> map.copyTo(arena);
                case null -> throw new IllegalArgumentException("kernel argument " + i + " is null");
                default -> throw new IllegalArgumentException("kernel argument " + i + " has unsupported type "
                        + args[i].getClass().getName());
            };
            params.setAtIndex(ADDRESS, i, value);
        }
        return params;
    }
}
