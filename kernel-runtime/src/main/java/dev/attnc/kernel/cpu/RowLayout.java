package dev.attnc.kernel.cpu;

/**
 * Where the rows of a [B, heads, len, D] operand lie in its float array: row {@code r} of head
 * (b, h) starts at {@code offset + b·batchStride + h·headStride + r·rowStride}, and its D elements
 * are adjacent. A dense row-major operand is {@link #dense}; a [B, S, H, D] one, or a slice of a
 * packed QKV tensor, has other strides. The kernels read and write through it, so a caller's
 * layout never has to be copied into the dense one.
 */
public record RowLayout(int offset, int batchStride, int headStride, int rowStride) {
    public RowLayout {
        if (offset < 0 || batchStride < 0 || headStride < 0 || rowStride < 0) {
            throw new IllegalArgumentException("negative offset or stride: " + offset + ", " + batchStride + ", " + headStride + ", " + rowStride);
        }
    }

    /** Row-major [B, heads, len, d]. */
    public static RowLayout dense(int heads, int len, int d) {
        return new RowLayout(0, Math.multiplyExact(Math.multiplyExact(heads, len), d), len * d, d);
    }

    /** The first element of row {@code row} of head (b, h). */
    public int start(int b, int h, int row) {
        return offset + b * batchStride + h * headStride + row * rowStride;
    }

    /** One past the last element of a [b, heads, len, d] operand in this layout: the array length it needs at least. */
    public long end(int b, int heads, int len, int d) {
        return offset + (long) (b - 1) * batchStride + (long) (heads - 1) * headStride + (long) (len - 1) * rowStride + d;
    }
}
