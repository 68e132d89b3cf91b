package dev.attnc.backend;

import dev.attnc.Tensor;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * The memory a call's tensors live in, each stretch once: tensors that are views of one storage
 * (Q, K and V sliced from a packed QKV tensor) share one span, from the first element any of them
 * reads to one past the last, which a backend converts or uploads once; each tensor is then its
 * span plus an offset and strides. Kernels read through those, so a view is never copied into a
 * dense tensor of its own.
 */
public record TensorSpans(List<Tensor> spans, List<Placed> placed) {
    /**
     * Where one tensor lies: in {@code spans().get(span)}, element (i0, i1, ...) at
     * {@code offset + Σ ik·strides[k]}; a dimension of size 1, never stepped, has stride 0.
     */
    public record Placed(int span, long offset, long[] strides) {}

    /**
     * {@code tensors} with the views gathered (made contiguous) whose span would hold more than 3/2 of the
     * elements the tensors in it read (a view of every other head, a slice of a much larger tensor): what a
     * backend uploads as the memory lies where that copies little more than the call reads.
     */
    public static List<Tensor> compact(List<Tensor> tensors) {
        TensorSpans spans = of(tensors);
        long[] read = new long[spans.spans().size()];
        for (int i = 0; i < tensors.size(); i++) read[spans.placed().get(i).span()] += tensors.get(i).elementCount();
        List<Tensor> out = new ArrayList<>();
        for (int i = 0; i < tensors.size(); i++) {
            int span = spans.placed().get(i).span();
            out.add(2 * spans.spans().get(span).elementCount() > 3 * read[span] ? tensors.get(i).contiguous() : tensors.get(i));
        }
        return out;
    }

    /** The spans of {@code tensors} (none empty), grouped by storage, in order of first appearance. */
    public static TensorSpans of(List<Tensor> tensors) {
        Map<MemorySegment, long[]> bounds = new IdentityHashMap<>(); // storage -> {first, end, index of the tensor that starts first, span index}
        List<MemorySegment> order = new ArrayList<>();
        for (int i = 0; i < tensors.size(); i++) {
            Tensor t = tensors.get(i);
            long first = t.offset();
            long end = t.storageEnd();
            long[] b = bounds.get(t.storage());
            if (b == null) {
                bounds.put(t.storage(), new long[] {first, end, i, order.size()});
                order.add(t.storage());
            } else {
                if (first < b[0]) {
                    b[0] = first;
                    b[2] = i;
                }
                b[1] = Math.max(b[1], end);
            }
        }
        List<Tensor> spans = new ArrayList<>();
        for (MemorySegment storage : order) {
            long[] b = bounds.get(storage);
            Tensor first = tensors.get((int) b[2]);
            // a paged tensor's memory is its pages' (its offset is theirs)
            if (first.paging() != null) first = first.paging().pages();
            spans.add(Tensor.view(first, 0, new long[] {b[1] - b[0]}, new long[] {1}));
        }
        List<Placed> placed = new ArrayList<>();
        for (Tensor t : tensors) {
            long[] strides = t.strides();
            for (int d = 0; d < strides.length; d++) if (t.dim(d) == 1) strides[d] = 0;
            long[] b = bounds.get(t.storage());
            placed.add(new Placed((int) b[3], t.offset() - b[0], strides));
        }
        return new TensorSpans(spans, placed);
    }
}
