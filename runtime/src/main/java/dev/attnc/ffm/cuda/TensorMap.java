package dev.attnc.ffm.cuda;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * A Hopper TMA descriptor ({@code CUtensorMap}: 128 opaque bytes) from
 * {@code cuTensorMapEncodeTiled}. Kernels take it by value as a {@code const __grid_constant__}
 * parameter, so it is kept here as bytes and copied into each launch's parameters.
 */
public final class TensorMap {
    /** Size of {@code CUtensorMap}; the driver wants it 64-byte aligned. */
    public static final int BYTES = 128, ALIGNMENT = 64;

    /** Element types, declared in {@code CUtensorMapDataType} order so that {@code ordinal()} is the C value. */
    public enum DataType { UINT8, UINT16, UINT32, INT32, UINT64, INT64, FLOAT16, FLOAT32, FLOAT64, BFLOAT16 }

    /** Shared-memory swizzle, in {@code CUtensorMapSwizzle} order; the box's inner row must fit in it. */
    public enum Swizzle { NONE, B32, B64, B128 }

    /** L2 sector promotion, in {@code CUtensorMapL2promotion} order. */
    public enum L2Promotion { NONE, B64, B128, B256 }

    private final byte[] bytes;

    private TensorMap(byte[] bytes) {
        this.bytes = bytes;
    }

    /**
     * Encodes a tiled map over {@code rank = dims.length} dimensions, innermost first (as CUDA
     * counts them). {@code strideBytes} gives the byte stride of dimensions 1..rank-1 (multiples of
     * 16); {@code box} is the tile one TMA copy moves; {@code elementStrides} is usually all ones.
     * No interleave; out-of-bounds elements read as zero.
     */
    public static TensorMap encodeTiled(DataType type, long globalAddress, long[] dims, long[] strideBytes,
            int[] box, int[] elementStrides, Swizzle swizzle, L2Promotion l2Promotion) {
        int rank = dims.length;
        if (rank < 1 || rank > 5 || strideBytes.length != rank - 1 || box.length != rank
                || elementStrides.length != rank) {
            throw new IllegalArgumentException("tensor map of rank " + rank + " needs " + (rank - 1)
                    + " strides and " + rank + " box and element strides");
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment map = arena.allocate(BYTES, ALIGNMENT);
            // A rank-1 map has no strides, but the driver still wants a valid pointer.
            MemorySegment strides = arena.allocate(JAVA_LONG, Math.max(1, strideBytes.length));
            MemorySegment.copy(strideBytes, 0, strides, JAVA_LONG, 0, strideBytes.length);
            CudaDriver.get().cuTensorMapEncodeTiled(map, type.ordinal(), rank, MemorySegment.ofAddress(globalAddress),
                    arena.allocateFrom(JAVA_LONG, dims), strides, arena.allocateFrom(JAVA_INT, box),
                    arena.allocateFrom(JAVA_INT, elementStrides), 0, swizzle.ordinal(), l2Promotion.ordinal(), 0);
            return new TensorMap(map.toArray(JAVA_BYTE));
        }
    }

    /** The descriptor's bytes (a copy). */
    public byte[] bytes() {
        return bytes.clone();
    }

    /** A native, aligned copy for a launch's parameter array. */
    MemorySegment copyTo(Arena arena) {
        MemorySegment copy = arena.allocate(BYTES, ALIGNMENT);
        MemorySegment.copy(bytes, 0, copy, JAVA_BYTE, 0, BYTES);
        return copy;
    }
}
