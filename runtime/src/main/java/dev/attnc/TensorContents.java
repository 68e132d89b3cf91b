package dev.attnc;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/**
 * A tensor's contents as a map key: equal to another when dtype, shape and every byte are equal.
 * {@link #of} reads a live tensor (a lookup costs one pass over its bytes to hash and, on a hash
 * match, one to compare); {@link #snapshot} copies the bytes, so a stored key never changes when
 * the caller later rewrites the tensor, or the memory a {@code Tensor.wrap} views.
 */
final class TensorContents {
    private static final ValueLayout.OfLong LONGS = ValueLayout.JAVA_LONG_UNALIGNED;

    private final DType dtype;
    private final long[] shape;
    private final MemorySegment bytes;
    private final int hash;

    private TensorContents(DType dtype, long[] shape, MemorySegment bytes, int hash) {
        this.dtype = dtype;
        this.shape = shape;
        this.bytes = bytes;
        this.hash = hash;
    }

    static TensorContents of(Tensor t) {
        MemorySegment bytes = t.contiguous().segment();
        return new TensorContents(t.dtype(), t.shape(), bytes, hash(bytes));
    }

    /** The same contents in a private copy on the heap. */
    TensorContents snapshot() {
        byte[] copy = bytes.toArray(ValueLayout.JAVA_BYTE);
        return new TensorContents(dtype, shape, MemorySegment.ofArray(copy), hash);
    }

    long byteSize() {
        return bytes.byteSize();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorContents c && c.hash == hash && c.dtype == dtype && Arrays.equals(c.shape, shape)
                && c.bytes.byteSize() == bytes.byteSize() && c.bytes.mismatch(bytes) == -1;
    }

    @Override
    public int hashCode() {
        return hash;
    }

    /** A multiplicative hash of the bytes, eight at a time (1M int32 elements: about a millisecond). */
    private static int hash(MemorySegment s) {
        long h = s.byteSize();
        long longs = s.byteSize() / 8;
        for (long i = 0; i < longs; i++) h = h * 0x9E37_79B9_7F4A_7C15L + s.getAtIndex(LONGS, i);
        for (long i = longs * 8; i < s.byteSize(); i++) h = h * 31 + s.get(ValueLayout.JAVA_BYTE, i);
        return Long.hashCode(h ^ (h >>> 29));
    }
}
