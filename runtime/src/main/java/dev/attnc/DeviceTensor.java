package dev.attnc;

import dev.attnc.backend.Backend;
import dev.attnc.backend.DeviceMemory;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * A tensor that lives on a backend's device, as ONNX Runtime's {@code OrtValue} on a device or a
 * PyTorch tensor after {@code .to(device)}: made once ({@link #allocate}, {@link #upload},
 * {@link Tensor#to}), then read by {@link AttentionKernel#run(DeviceTensor, DeviceTensor, DeviceTensor,
 * java.util.Map, double, Tensor)} as often as asked with no copy, changed in place ({@link #write},
 * {@link #writeRows}: a K/V cache that grows by a row per sequence and step) and read back on demand
 * ({@link #toHost}). On the java backend the device is the host: a device tensor is its host memory,
 * uploading and reading back copy nothing.
 *
 * <p>The layout is a host {@link Tensor}'s: shape, strides in elements (the last 1), an offset into its
 * memory; {@link #view} and {@link #permute} give other layouts of the same memory, and {@link #paged}
 * a K/V cache in pages (the page table stays on the host: a call reads it to plan and uploads it, a
 * few bytes per sequence). Closing a tensor made by allocate, upload or {@link #wrap} frees its
 * device memory (wrapped memory is only forgotten); views are closed with it, and any use after is
 * an {@link IllegalStateException}.
 */
public final class DeviceTensor implements AutoCloseable {
    private final DeviceMemory memory;
    /** Whether closing this tensor frees {@link #memory} (views share their base's). */
    private final boolean owner;
    private final Tensor layout;
    /** The pages of a paged tensor ({@link #paged}); null for any other. */
    private final DeviceTensor pages;

    private DeviceTensor(DeviceMemory memory, boolean owner, Tensor layout, DeviceTensor pages) {
        this.memory = memory;
        this.owner = owner;
        this.layout = layout;
        this.pages = pages;
    }

    /** A zero-filled, dense row-major tensor on {@code backend}'s device. */
    public static DeviceTensor allocate(Backend backend, DType dtype, long... shape) {
        Tensor dense = Tensor.layoutOnly(dtype, shape, Tensor.rowMajorStrides(shape), 0);
        return new DeviceTensor(backend.allocate(Math.max(1, dense.byteSize()), null), true, dense, null);
    }

    /**
     * A dense copy of {@code host} on {@code backend}'s device (a view is gathered on the way). On the
     * java backend a contiguous host tensor is used where it lies: the device tensor and the host tensor
     * are the same memory.
     */
    public static DeviceTensor upload(Tensor host, Backend backend) {
        if (host.paging() != null) {
            throw new AttnInputException("upload a paged tensor's pages and wrap them with DeviceTensor.paged(pages, pageTable)");
        }
        Tensor dense = host.contiguous();
        Tensor layout = Tensor.layoutOnly(dense.dtype(), dense.shape(), Tensor.rowMajorStrides(dense.shape()), 0);
        if (dense.byteSize() == 0) return allocate(backend, dense.dtype(), dense.shape());
        DeviceMemory memory = backend.allocate(dense.byteSize(), dense.segment());
        return new DeviceTensor(memory, true, layout, null);
    }

    /**
     * Device memory that another library owns, of this dtype and dense shape, used where it lies (a
     * PyTorch tensor's {@code data_ptr()} on CUDA): never freed here, and it must outlive this tensor's
     * use. Only the cuda backend has raw device pointers.
     */
    public static DeviceTensor wrap(Backend backend, long address, DType dtype, long... shape) {
        Tensor dense = Tensor.layoutOnly(dtype, shape, Tensor.rowMajorStrides(shape), 0);
        if (address == 0) throw new AttnInputException("cannot wrap a null device pointer");
        return new DeviceTensor(backend.wrap(address, Math.max(1, dense.byteSize())), true, dense, null);
    }

    /**
     * A K or V cache in pages on the device ({@link Tensor#paged}'s layout): {@code pages} a device
     * tensor [num_pages, page_size, H_KV, D], {@code pageTable} a host int tensor [B, max_pages].
     */
    public static DeviceTensor paged(DeviceTensor pages, Tensor pageTable) {
        pages.requireOpen();
        if (pages.pages != null) throw new AttnInputException("pages must be an ordinary device tensor, not a paged one");
        return new DeviceTensor(pages.memory, false, Tensor.paged(pages.layout, pageTable), pages);
    }

    /**
     * A view of this tensor's memory (no copy), with {@link Tensor#view}'s rules: element (i0, i1, ...)
     * at {@code offset + Σ ik·strides[k]} counted from this tensor's element (0, 0, ...).
     */
    public DeviceTensor view(long offset, long[] shape, long[] strides) {
        requireOpen();
        requireUnpaged("viewed");
        if (shape.length != strides.length || (shape.length > 0 && strides[strides.length - 1] != 1) || offset < 0
                || Arrays.stream(strides).anyMatch(x -> x < 0) || Arrays.stream(shape).anyMatch(x -> x < 0)) {
            throw new AttnInputException("a view needs as many strides as dimensions, the last stride 1, and no negative size, stride or offset; "
                    + "got shape " + Tensor.shapeString(shape) + ", strides " + Tensor.shapeString(strides) + ", offset " + offset);
        }
        long last = layout.offset() + offset;
        for (int d = 0; d < shape.length; d++) last += shape[d] == 0 ? 0 : (shape[d] - 1) * strides[d];
        if (Arrays.stream(shape).anyMatch(n -> n == 0)) last = layout.offset();
        long available = memory.byteSize() / layout.dtype().byteSize();
        if (last >= available) {
            throw new AttnInputException("a view of shape " + Tensor.shapeString(shape) + ", offset " + offset + " and strides "
                    + Tensor.shapeString(strides) + " reaches element " + last + ", outside the " + available + " elements of its device memory");
        }
        return new DeviceTensor(memory, false, Tensor.layoutOnly(layout.dtype(), shape, strides, layout.offset() + offset), null);
    }

    /** The same elements with the dimensions reordered (no copy), as {@link Tensor#permute}. */
    public DeviceTensor permute(int... order) {
        requireOpen();
        requireUnpaged("permuted");
        return new DeviceTensor(memory, false, layout.permute(order), null);
    }

    /** A dense host copy (on the java backend: a host tensor over the same memory, no copy, when this tensor is dense). */
    public Tensor toHost() {
        requireOpen();
        if (pages != null) return Tensor.paged(pages.toHost(), layout.paging().pageTable()).contiguous();
        if (memory.hostSegment() != null && layout.isContiguous()) return hostView(); // the device is the host
        long first = layout.offset(), end = layout.storageEnd();
        long size = layout.dtype().byteSize();
        Tensor span = Tensor.allocate(layout.dtype(), Math.max(1, end - first));
        if (end > first) memory.read(first * size, span.segment().asSlice(0, (end - first) * size));
        Tensor host = Tensor.view(span, 0, layout.shape(), layout.strides());
        return host.contiguous();
    }

    /** Overwrites every element with {@code host}'s (same shape and dtype). */
    public void copyFrom(Tensor host) {
        if (!Arrays.equals(host.shape(), layout.shape())) {
            throw new AttnInputException("cannot copy a " + host.shapeString() + " tensor into a device tensor of shape " + layout.shapeString());
        }
        write(host, new long[layout.rank()]);
    }

    /**
     * Writes {@code src} (same rank and dtype) into the block of this tensor that starts at index
     * {@code at}, in place: {@code this[at0 : at0 + src.dim(0), at1 : ...] = src}. Rows that lie side
     * by side on the device go in one copy. A paged tensor's rows go where its page table says.
     */
    public void write(Tensor src, long... at) {
        requireOpen();
        if (src.dtype() != layout.dtype()) {
            throw new AttnInputException("cannot write " + src.typeName() + " into a " + layout.dtype().displayName() + " device tensor");
        }
        if (at.length != layout.rank() || src.rank() != layout.rank()) {
            throw new AttnInputException("a write into a device tensor of shape " + layout.shapeString() + " needs " + layout.rank()
                    + " start indices and a tensor of rank " + layout.rank() + ", not " + Tensor.shapeString(at) + " and " + src.shapeString());
        }
        for (int d = 0; d < at.length; d++) {
            if (at[d] < 0 || at[d] + src.dim(d) > layout.dim(d)) {
                throw new AttnInputException("a " + src.shapeString() + " block at " + Tensor.shapeString(at)
                        + " does not fit in a device tensor of shape " + layout.shapeString());
            }
        }
        if (src.elementCount() == 0) return;
        MemorySegment host = src.contiguous().segment();
        int last = layout.rank() - 1;
        long rowLength = last < 0 ? 1 : src.dim(last);
        long rows = src.elementCount() / rowLength;
        long size = layout.dtype().byteSize();
        long[] index = at.clone();
        long runStart = -1, runEnd = -1, runHost = 0;
        for (long r = 0; r < rows; r++) {
            long rest = r;
            for (int d = last - 1; d >= 0; d--) {
                index[d] = at[d] + rest % src.dim(d);
                rest /= src.dim(d);
            }
            long element = element(index);
            if (element != runEnd) { // a new run: copy the one before
                if (runStart >= 0) memory.write(runStart * size, host.asSlice(runHost * size, (runEnd - runStart) * size));
                runStart = element;
                runHost = r * rowLength;
            }
            runEnd = element + rowLength;
        }
        memory.write(runStart * size, host.asSlice(runHost * size, (runEnd - runStart) * size));
    }

    /**
     * Appends to a K or V cache [B, H_KV, capacity, D] (dense, a view or paged): {@code rows} [B, H_KV, n, D]
     * go to positions {@code at[b]} .. {@code at[b] + n - 1} of sequence b, which is where a decode step
     * puts its new keys and values when {@code at} holds each sequence's length before the step.
     */
    public void writeRows(Tensor rows, int[] at) {
        if (rows.rank() != 4 || layout.rank() != 4 || at.length != rows.dim(0) || rows.dim(0) != layout.dim(0)) {
            throw new AttnInputException("writeRows takes rows [B, H_KV, n, D] for a cache " + layout.shapeString() + " and one position a sequence, "
                    + "but got rows " + rows.shapeString() + " and " + at.length + " positions");
        }
        long[] strides = rows.strides();
        for (int b = 0; b < at.length; b++) {
            Tensor sequence = Tensor.view(rows, b * strides[0], new long[] {1, rows.dim(1), rows.dim(2), rows.dim(3)},
                    new long[] {strides[0], strides[1], strides[2], strides[3]});
            write(sequence, b, 0, at[b], 0);
        }
    }

    /** A host tensor over this tensor's memory (no copy), where the device is the host ({@link DeviceMemory#hostSegment}). */
    Tensor hostView() {
        requireOpen();
        if (pages != null) return Tensor.paged(pages.hostView(), layout.paging().pageTable());
        MemorySegment segment = memory.hostSegment();
        long size = layout.dtype().byteSize();
        Tensor all = Tensor.wrap(layout.dtype(), segment.asSlice(0, segment.byteSize() / size * size), segment.byteSize() / size);
        return Tensor.view(all, layout.offset(), layout.shape(), layout.strides());
    }

    /** {@code host} as a device tensor of a backend whose device is the host: its memory, no copy. */
    static DeviceTensor onHost(Backend backend, Tensor host) {
        MemorySegment storage = host.storage();
        return new DeviceTensor(backend.allocate(storage.byteSize(), storage), true,
                Tensor.layoutOnly(host.dtype(), host.shape(), host.strides(), host.offset()), null);
    }

    /** The storage element of a multi-index, through the page table for a paged tensor. */
    private long element(long[] index) {
        if (pages != null) {
            Tensor.Paging p = layout.paging();
            int page = p.page(index[0], index[2]);
            if (page < 0 || page >= p.pageCount()) {
                throw new AttnInputException("page table entry [" + index[0] + ", " + index[2] / p.pageSize() + "] is " + page
                        + ", outside the " + p.pageCount() + " pages");
            }
            long[] ps = p.pages().strides();
            return p.pages().offset() + page * ps[0] + index[2] % p.pageSize() * ps[1] + index[1] * ps[2] + index[3];
        }
        long[] strides = layout.strides();
        long e = layout.offset();
        for (int d = 0; d < index.length; d++) e += index[d] * strides[d];
        return e;
    }

    public Backend backend() {
        return memory.backend();
    }

    public DType dtype() {
        return layout.dtype();
    }

    public long[] shape() {
        return layout.shape();
    }

    public long dim(int d) {
        return layout.dim(d);
    }

    public long[] strides() {
        return layout.strides();
    }

    /** Where element (0, 0, ...) lives in {@link #memory()}, in elements. */
    public long offset() {
        return layout.offset();
    }

    public boolean isContiguous() {
        return layout.isContiguous();
    }

    /** The bytes of the elements (of a paged tensor: of its logical cache, not of its pages). */
    public long byteSize() {
        return layout.byteSize();
    }

    public String shapeString() {
        return layout.shapeString();
    }

    /** The pages of a paged tensor; null for any other. */
    public DeviceTensor pages() {
        return pages;
    }

    /** The device memory this tensor (and its views) live in, for backends. */
    public DeviceMemory memory() {
        requireOpen();
        return memory;
    }

    /**
     * This tensor's layout as a host tensor with no memory (for checks of shapes, dtypes and page tables;
     * reading its elements fails).
     */
    public Tensor layout() {
        requireOpen();
        return layout;
    }

    public boolean isOpen() {
        return memory.isOpen();
    }

    /** Throws unless the memory is still there. */
    public void requireOpen() {
        if (!memory.isOpen()) {
            throw new IllegalStateException("this " + layout.dtype().displayName() + " " + layout.shapeString() + " tensor on the "
                    + memory.backend().name() + " device is closed (or its backend is)");
        }
    }

    private void requireUnpaged(String what) {
        if (pages != null) throw new AttnInputException("a paged device tensor cannot be " + what + " (its rows follow its page table)");
    }

    /** Frees the device memory of a tensor made by allocate or upload (forgets a wrapped one); a view's close does nothing. */
    @Override
    public void close() {
        if (owner) memory.close();
    }

    @Override
    public String toString() {
        return "DeviceTensor(" + layout.dtype() + ", " + layout.shapeString() + ", " + memory.backend().name() + ")";
    }
}
