package dev.attnc.kernel.cpu;

/**
 * Where the rows of a [B, heads, len, D] operand lie in its float array: row {@code r} of head
 * (b, h) starts at {@code offset + b·batchStride + h·headStride + r·rowStride}, and its D elements
 * are adjacent. A dense row-major operand is {@link #dense}; a [B, S, H, D] one, or a slice of a
 * packed QKV tensor, has other strides. The kernels read and write through it, so a caller's
 * layout never has to be copied into the dense one.
 * <p>
 * A paged K or V ({@link Pages}: a KV cache in pages of {@code pageSize} rows, vLLM's layout) has no
 * batch stride: row {@code r} of (b, h) is row {@code r % pageSize} of page
 * {@code pageTable[b·maxPages + r / pageSize]}, which starts at {@code offset + page·pageStride}.
 */
public record RowLayout(int offset, int batchStride, int headStride, int rowStride, Pages pages) {
    /** A page table and the pages it points into (checked in range by the runtime before a kernel runs). */
    public record Pages(int[] pageTable, int maxPages, int pageSize, int pageStride, int pageCount) {
        public Pages {
            if (maxPages < 1 || pageSize < 1 || pageStride < 0 || pageCount < 1 || pageTable.length < maxPages) {
                throw new IllegalArgumentException("pages: " + maxPages + " a row, " + pageSize + " rows each, stride " + pageStride
                        + ", " + pageCount + " pages, table of " + pageTable.length);
            }
        }
    }

    public RowLayout {
        if (offset < 0 || batchStride < 0 || headStride < 0 || rowStride < 0) {
            throw new IllegalArgumentException("negative offset or stride: " + offset + ", " + batchStride + ", " + headStride + ", " + rowStride);
        }
    }

    public RowLayout(int offset, int batchStride, int headStride, int rowStride) {
        this(offset, batchStride, headStride, rowStride, null);
    }

    /** Row-major [B, heads, len, d]. */
    public static RowLayout dense(int heads, int len, int d) {
        return new RowLayout(0, Math.multiplyExact(Math.multiplyExact(heads, len), d), len * d, d);
    }

    /** The first element of row {@code row} of head (b, h). */
    public int start(int b, int h, int row) {
        if (pages == null) return offset + b * batchStride + h * headStride + row * rowStride;
        int page = pages.pageTable[b * pages.maxPages + row / pages.pageSize];
        return offset + page * pages.pageStride + row % pages.pageSize * rowStride + h * headStride;
    }

    /** One past the last element of a [b, heads, len, d] operand in this layout: the array length it needs at least. */
    public long end(int b, int heads, int len, int d) {
        if (pages != null) {
            return offset + (long) (pages.pageCount - 1) * pages.pageStride + (long) (pages.pageSize - 1) * rowStride
                    + (long) (heads - 1) * headStride + d;
        }
        return offset + (long) (b - 1) * batchStride + (long) (heads - 1) * headStride + (long) (len - 1) * rowStride + d;
    }
}
