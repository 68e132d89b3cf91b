package dev.attnc.backend.cpu;

import dev.attnc.DType;
import dev.attnc.Tensor;
import dev.attnc.backend.TensorSpans;
import dev.attnc.kernel.cpu.RowLayout;
import dev.attnc.kernel.cpu.RowSource;
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

    /**
     * Q, K and V of a forward call: only Q's memory converted to a float array (a packed QKV tensor's
     * whole span, then K and V read from it too); K and V otherwise read where they lie by the tasks that
     * pack them ({@link #rows}), so a decode step does not first copy its whole cache on one thread.
     */
    static FloatOperands forward(Tensor q, Tensor k, Tensor v) {
        TensorSpans spans = TensorSpans.of(List.of(q, k, v));
        float[][] arrays = new float[spans.spans().size()][];
        int qSpan = spans.placed().get(0).span();
        arrays[qSpan] = spans.spans().get(qSpan).toFloatArray();
        return new FloatOperands(arrays, spans);
    }

    /** The array that tensor {@code i} lies in. */
    float[] array(int i) {
        float[] a = arrays[spans.placed().get(i).span()];
        if (a == null) throw new IllegalStateException("tensor " + i + " is read where it lies (rows), not converted");
        return a;
    }

    /** Tensor {@code i}'s memory for packing: its converted array, or the memory it lies in (float32, bfloat16 or float16). */
    RowSource rows(int i) {
        int span = spans.placed().get(i).span();
        if (arrays[span] != null) return RowSource.of(arrays[span]);
        Tensor t = spans.spans().get(span);
        RowSource.Format format = switch (t.dtype()) {
            case F32 -> RowSource.Format.F32;
            case BF16 -> RowSource.Format.BF16;
            case F16 -> RowSource.Format.F16;
            default -> throw new IllegalArgumentException("K and V are float tensors, not " + t.dtype().displayName());
        };
        return new RowSource.Memory(t.segment(), format);
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
