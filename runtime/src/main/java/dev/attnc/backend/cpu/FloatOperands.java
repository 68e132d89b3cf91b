package dev.attnc.backend.cpu;

import dev.attnc.DType;
import dev.attnc.Tensor;
import dev.attnc.backend.TensorSpans;
import dev.attnc.kernel.cpu.RowLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.List;

/**
 * [B, heads, len, D] tensors as the generated Java kernels take them: float32 arrays with a
 * {@link RowLayout} each. The memory of each storage is converted once ({@link TensorSpans}: Q, K
 * and V sliced from one packed tensor share one array) and keeps its layout, so a view is read
 * where it lies instead of being gathered into a dense copy first.
 */
record FloatOperands(float[][] arrays, TensorSpans spans) {
    private static final ValueLayout.OfFloat FLOAT_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    static FloatOperands of(Tensor... tensors) {
        TensorSpans spans = TensorSpans.of(List.of(tensors));
        return new FloatOperands(spans.spans().stream().map(Tensor::toFloatArray).toArray(float[][]::new), spans);
    }

    /** The array that tensor {@code i} lies in. */
    float[] array(int i) {
        return arrays[spans.placed().get(i).span()];
    }

    /** Where tensor {@code i}'s rows lie in {@link #array} (an unpaged tensor's). */
    RowLayout layout(int i) {
        TensorSpans.Placed p = spans.placed().get(i);
        return rowLayout(p.offset(), p.strides());
    }

    /** Where tensor {@code i} (which is {@code t}) has its rows in {@link #array}: through its page table when it is paged. */
    RowLayout layout(int i, Tensor t) {
        RowLayout dense = layout(i);
        Tensor.Paging paging = t.paging();
        if (paging == null) return dense;
        int[] table = new int[Math.toIntExact(paging.pageTable().elementCount())];
        MemorySegment.copy(paging.pageTable().segment(), ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0, table, 0, table.length);
        return new RowLayout(dense.offset(), 0, dense.headStride(), dense.rowStride(), new RowLayout.Pages(table, paging.maxPages(),
                paging.pageSize(), Math.toIntExact(paging.pageStride()), paging.pageCount()));
    }

    /** The layout of an output allocated by {@link Tensor#allocateLike}: its own memory, from element 0. */
    static RowLayout layout(Tensor dense) {
        return rowLayout(dense.offset(), dense.strides());
    }

    private static RowLayout rowLayout(long offset, long[] strides) {
        return new RowLayout(Math.toIntExact(offset), Math.toIntExact(strides[0]), Math.toIntExact(strides[1]), Math.toIntExact(strides[2]));
    }

    /** {@code values}, the whole memory of {@code out} (from {@link Tensor#allocateLike}) in its own order, as {@link #layout(Tensor)} indexes it. */
    static void store(float[] values, Tensor out) {
        MemorySegment memory = out.storage();
        if (out.dtype() == DType.F32) {
            MemorySegment.copy(values, 0, memory, FLOAT_LE, 0, values.length);
            return;
        }
        Tensor flat = Tensor.view(out, 0, new long[] {values.length}, new long[] {1}); // out is dense from its offset 0
        for (int i = 0; i < values.length; i++) flat.setFloat(i, values[i]);
    }
}
