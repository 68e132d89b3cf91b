package dev.attnc;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * A tensor in host memory, little-endian, in a {@link MemorySegment} so that kernels and device
 * copies use it without a Java array in between. The shape is fixed; the contents are mutable.
 *
 * <p>Layout: element (i0, i1, ...) lives at element {@code offset + Σ ik·strides[k]} of the storage
 * segment. A tensor made by {@link #allocate}, {@link #wrap} or the {@code of...} factories is dense
 * and row-major; {@link #view} and {@link #permute} give other layouts over the same memory (a
 * [B, S, H, D] array seen as [B, H, S, D], one third of a packed QKV tensor), always with a unit
 * stride on the last dimension, which is what kernels read in vectors. Every accessor that takes a
 * flat index means the logical row-major index, whatever the layout.
 *
 * <p>Storage: F16 is IEEE binary16; BF16 is the top 16 bits of the float32 pattern, rounded to
 * nearest even from float; BOOL is one byte holding 0 or 1. The accessors convert between the
 * storage type and the Java type they return or take.
 */
public final class Tensor {
    private static final ValueLayout.OfFloat FLOAT_LE =
            ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort SHORT_LE =
            ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt INT_LE =
            ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong LONG_LE =
            ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    /** Cache-line alignment, so that vectorised kernels never straddle lines at element 0. */
    private static final long ALIGNMENT = 64;

    private final DType dtype;
    private final long[] shape;
    /** In elements of the storage; the last is 1 (for rank 1 and up). */
    private final long[] strides;
    /** Where element (0, 0, ...) lives in the storage, in elements. */
    private final long offset;
    private final long elementCount;
    /** Whether the elements are row-major and adjacent, from {@link #offset}: flat index i is storage element offset + i. */
    private final boolean contiguous;
    /** The whole memory this tensor (and any other view of it) lives in. */
    private final MemorySegment segment;
    /** The element type its source gave, when it was converted on the way in (an .npy of int8 read as int32); else null. */
    private final String givenType;
    /** The pages and page table of a paged K or V ({@link #paged}); null for any other tensor. */
    private final Paging paging;

    /**
     * What makes a tensor paged: {@code pages} [num_pages, page_size, H_KV, D] and {@code pageTable}
     * int32 [B, max_pages]; row (b, h, kv) of the paged tensor is
     * {@code pages[pageTable[b, kv / page_size], kv % page_size, h, :]}.
     */
    public record Paging(Tensor pages, Tensor pageTable) {
        public int pageSize() {
            return (int) pages.dim(1);
        }

        public int pageCount() {
            return (int) pages.dim(0);
        }

        public int maxPages() {
            return (int) pageTable.dim(1);
        }

        /** Storage elements between the starts of consecutive pages. */
        public long pageStride() {
            return pages.strides[0];
        }

        /** The page that holds row {@code kv} of sequence {@code b}, as the table says (not checked). */
        public int page(long b, long kv) {
            return (int) pageTable.getLong(b * maxPages() + kv / pageSize());
        }
    }

    private Tensor(DType dtype, long[] shape, MemorySegment segment) {
        this(dtype, shape, rowMajorStrides(shape), 0, segment, null);
    }

    private Tensor(DType dtype, long[] shape, long[] strides, long offset, MemorySegment segment, String givenType) {
        this(dtype, shape, strides, offset, segment, givenType, null);
    }

    private Tensor(DType dtype, long[] shape, long[] strides, long offset, MemorySegment segment, String givenType, Paging paging) {
        this.dtype = dtype;
        this.shape = shape;
        this.strides = strides;
        this.offset = offset;
        this.elementCount = elementCount(shape);
        // a paged tensor's rows follow its page table, whatever its strides say
        this.contiguous = paging == null && isRowMajor(shape, strides);
        this.segment = segment;
        this.givenType = givenType;
        this.paging = paging;
    }

    /**
     * A K or V cache in pages (vLLM's and FlashInfer's layout), read where it lies: {@code pages} is
     * [num_pages, page_size, H_KV, D] (any view with unit last stride), {@code pageTable} an int
     * tensor [B, max_pages]. The result has the logical shape [B, H_KV, max_pages · page_size, D];
     * its row (b, h, kv) is {@code pages[pageTable[b, kv / page_size], kv % page_size, h, :]}. The
     * table is not checked here: a call checks the entries it reads (those of rows below each
     * sequence's length) before any kernel runs. Reading a row whose entry is outside
     * [0, num_pages) is an error.
     */
    public static Tensor paged(Tensor pages, Tensor pageTable) {
        if (pages.rank() != 4) {
            throw new AttnInputException("pages must have 4 dimensions [num_pages, page_size, H_KV, D], but have shape " + pages.shapeString());
        }
        if (pages.paging != null) throw new AttnInputException("pages must be an ordinary tensor, not a paged one");
        if (pageTable.rank() != 2 || !pageTable.dtype().isInteger()) {
            throw new AttnInputException("a page table must be an int tensor [B, max_pages], but is " + pageTable.typeName() + " "
                    + pageTable.shapeString());
        }
        for (int d = 0; d < 4; d++) {
            if (pages.dim(d) < 1) throw new AttnInputException("pages must have no empty dimension, but have shape " + pages.shapeString());
        }
        if (pageTable.dim(0) < 1 || pageTable.dim(1) < 1) {
            throw new AttnInputException("a page table must have no empty dimension, but has shape " + pageTable.shapeString());
        }
        if (pages.dim(0) > Integer.MAX_VALUE || pages.dim(1) > Integer.MAX_VALUE || pageTable.dim(1) > Integer.MAX_VALUE) {
            throw new AttnInputException("pages " + pages.shapeString() + " and page table " + pageTable.shapeString() + " are too large");
        }
        Tensor table = pageTable.dtype() == DType.I32 ? pageTable.contiguous() : pageTable.convert(DType.I32);
        long[] shape = {table.dim(0), pages.dim(2), Math.multiplyExact(table.dim(1), pages.dim(1)), pages.dim(3)};
        long[] strides = {0, pages.strides[2], pages.strides[1], 1};
        return new Tensor(pages.dtype, shape, strides, pages.offset, pages.segment, pages.givenType, new Paging(pages, table));
    }

    /**
     * A tensor with this layout and no memory of its own: how a {@link DeviceTensor} takes part in the
     * checks of shapes, dtypes and page tables that host tensors go through. Reading its elements fails.
     */
    static Tensor layoutOnly(DType dtype, long[] shape, long[] strides, long offset) {
        return new Tensor(dtype, shape.clone(), strides.clone(), offset, MemorySegment.NULL, null);
    }

    /** A copy of this tensor on {@code backend}'s device ({@link DeviceTensor#upload}), as PyTorch's {@code .to(device)}. */
    public DeviceTensor to(dev.attnc.backend.Backend backend) {
        return DeviceTensor.upload(this, backend);
    }

    /** The pages and page table of a tensor made by {@link #paged}; null for any other. */
    public Paging paging() {
        return paging;
    }

    private void requireUnpaged(String what) {
        if (paging != null) throw new AttnInputException("a paged tensor cannot be " + what + " (its rows follow its page table)");
    }

    /** This tensor (same memory) remembering that its source called its element type {@code typeName}, for messages. */
    public Tensor givenAs(String typeName) {
        return new Tensor(dtype, shape, strides, offset, segment, typeName, paging);
    }

    /**
     * A view of {@code base}'s memory (not copied): element (i0, i1, ...) of the view is element
     * {@code offset + Σ ik·strides[k]} of base's memory counted from base's element (0, 0, ...); for
     * a dense base, that is base read as one flat row-major array. The last stride
     * must be 1 and the others non-negative; every element of the view must lie in base's memory.
     * E.g. a [B, S, H, D] array seen as [B, H, S, D] has strides [S·H·D, D, H·D, 1]; the K of a
     * packed [B, S, 3, H, D] tensor is offset H·D, shape [B, H, S, D], strides [S·3·H·D, D, 3·H·D, 1].
     * Anything else is an {@link AttnInputException} saying which rule it breaks.
     */
    public static Tensor view(Tensor base, long offset, long[] shape, long[] strides) {
        base.requireUnpaged("viewed");
        if (shape.length != strides.length) {
            throw new AttnInputException("a view of shape " + shapeString(shape) + " needs " + shape.length + " strides, but got "
                    + strides.length + " " + shapeString(strides));
        }
        elementCount(shape);
        if (shape.length > 0 && strides[strides.length - 1] != 1) {
            throw new AttnInputException("a view must have stride 1 on its last dimension (kernels read a row's elements "
                    + "side by side), but has strides " + shapeString(strides) + " for shape " + shapeString(shape));
        }
        if (offset < 0) throw new AttnInputException("a view's offset must be non-negative, but is " + offset);
        long last = offset;
        for (int d = 0; d < shape.length; d++) {
            if (strides[d] < 0) {
                throw new AttnInputException("a view's strides must be non-negative, but are " + shapeString(strides));
            }
            if (shape[d] == 0) last = -1;
            if (last >= 0) {
                try {
                    last = Math.addExact(last, Math.multiplyExact(shape[d] - 1, strides[d]));
                } catch (ArithmeticException e) {
                    last = Long.MAX_VALUE;
                }
            }
        }
        long start = base.offset + offset;
        long available = base.segment.byteSize() / base.dtype.byteSize() - base.offset;
        if (last >= available) {
            throw new AttnInputException("a view of shape " + shapeString(shape) + ", offset " + offset + " and strides "
                    + shapeString(strides) + " reaches element " + last + ", outside the " + available + " elements of its base "
                    + base.shapeString());
        }
        return new Tensor(base.dtype, shape.clone(), strides.clone(), last < 0 ? base.offset : start, base.segment, base.givenType);
    }

    /**
     * The same elements with the dimensions reordered (no copy): dimension i of the result is
     * dimension {@code order[i]} of this one. {@code permute(0, 2, 1, 3)} turns [B, S, H, D] into
     * [B, H, S, D] and back. The last dimension must stay last (its stride must stay 1).
     */
    public Tensor permute(int... order) {
        requireUnpaged("permuted");
        if (order.length != shape.length || !Arrays.equals(Arrays.stream(order).sorted().toArray(),
                java.util.stream.IntStream.range(0, shape.length).toArray())) {
            throw new IllegalArgumentException(Arrays.toString(order) + " is not an order of the " + shape.length + " dimensions");
        }
        long[] s = new long[order.length];
        long[] st = new long[order.length];
        for (int i = 0; i < order.length; i++) {
            s[i] = shape[order[i]];
            st[i] = strides[order[i]];
        }
        if (shape.length > 0 && st[st.length - 1] != 1) {
            throw new AttnInputException("permuting " + shapeString() + " by " + Arrays.toString(order)
                    + " would leave a stride other than 1 on the last dimension");
        }
        return new Tensor(dtype, s, st, offset, segment, givenType);
    }

    /**
     * A zero-filled dense tensor of this shape and {@code dtype} whose dimensions lie in memory in
     * the order of this tensor's strides (largest first): an output laid out as its input was
     * (O of a [B, S, H, D] Q is [B, S, H, D] in memory, seen as [B, H, S, D]).
     */
    public Tensor allocateLike(DType dtype) {
        return allocateLike(dtype, shape.length == 0 ? 0 : shape[shape.length - 1]);
    }

    /**
     * {@link #allocateLike(DType)} with another last dimension: O [B, H, Q_LEN, DV] laid out as Q
     * [B, H, Q_LEN, D] is, when V's last dimension DV differs from D.
     */
    public Tensor allocateLike(DType dtype, long lastDim) {
        int[] order = memoryOrder();
        long[] inMemory = Arrays.stream(order).mapToLong(d -> d == shape.length - 1 ? lastDim : shape[d]).toArray();
        int[] back = new int[order.length];
        for (int i = 0; i < order.length; i++) back[order[i]] = i;
        return allocate(dtype, inMemory).permute(back);
    }

    /**
     * The dimensions from the largest stride to the smallest, ties in their order here; the last
     * dimension stays last whatever the others' strides (a broadcast one's 0), so that an output
     * allocated in this order keeps a unit last stride.
     */
    private int[] memoryOrder() {
        if (shape.length == 0) return new int[0];
        return java.util.stream.IntStream.concat(java.util.stream.IntStream.range(0, shape.length - 1).boxed()
                .sorted((a, b) -> Long.compare(strides[b], strides[a])).mapToInt(Integer::intValue),
                java.util.stream.IntStream.of(shape.length - 1)).toArray();
    }

    /** A copy of the strides, in elements. */
    public long[] strides() {
        return strides.clone();
    }

    /** One past the last element of {@link #storage()} this tensor reaches ({@link #offset} when it is empty). */
    public long storageEnd() {
        if (paging != null) return paging.pages.storageEnd();
        if (elementCount == 0) return offset;
        long end = offset + 1;
        for (int d = 0; d < shape.length; d++) end += (shape[d] - 1) * strides[d];
        return end;
    }

    /** Where element (0, 0, ...) lives in {@link #storage()}, in elements. */
    public long offset() {
        return offset;
    }

    /** The whole memory this tensor lives in (a view's base's), which kernels index with {@link #offset} and {@link #strides}. */
    public MemorySegment storage() {
        return segment;
    }

    /** Whether the elements are adjacent in row-major order: whether {@link #segment()} is the tensor's own memory. */
    public boolean isContiguous() {
        return contiguous;
    }

    /** This tensor if it is contiguous, else a dense row-major copy of it. */
    public Tensor contiguous() {
        return contiguous ? this : copy();
    }

    /** The element type in the user's terms: as its source gave it (e.g. "int8"), else the dtype's name. */
    public String typeName() {
        return givenType != null ? givenType : dtype.displayName();
    }

    /**
     * A zero-filled tensor whose memory is freed when it becomes unreachable. A tensor larger than
     * this machine's memory, or one the allocator refuses, is an {@link AttnInputException} saying
     * "too large" and how many bytes, never an OutOfMemoryError.
     */
    public static Tensor allocate(DType dtype, long... shape) {
        long bytes = byteSize(dtype, shape);
        long physical = PHYSICAL_MEMORY_BYTES;
        if (bytes > physical) {
            throw new AttnInputException("too large: a " + dtype.displayName() + " tensor of shape " + shapeString(shape) + " needs "
                    + bytes + " bytes, more than this machine's memory (" + physical + " bytes)");
        }
        try {
            return new Tensor(dtype, shape.clone(), Arena.ofAuto().allocate(bytes, ALIGNMENT));
        } catch (OutOfMemoryError e) {
            throw new AttnInputException("too large: a " + dtype.displayName() + " tensor of shape " + shapeString(shape) + " needs "
                    + bytes + " bytes, which could not be allocated");
        }
    }

    /** This machine's memory, the bound of any one tensor (read once: it does not change). */
    private static final long PHYSICAL_MEMORY_BYTES = physicalMemoryBytes();

    private static long physicalMemoryBytes() {
        return java.lang.management.ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os
                ? os.getTotalMemorySize() : Long.MAX_VALUE;
    }

    /**
     * A tensor over existing memory (not copied), which must be exactly the size the shape needs:
     * a larger segment would more likely be a wrong shape than a deliberate view.
     */
    public static Tensor wrap(DType dtype, MemorySegment segment, long... shape) {
        long bytes = byteSize(dtype, shape);
        if (segment.byteSize() != bytes) {
            throw new AttnInputException("a " + dtype + " tensor of shape " + shapeString(shape)
                    + " needs " + bytes + " bytes but the segment has " + segment.byteSize());
        }
        return new Tensor(dtype, shape.clone(), segment);
    }

    public static Tensor ofFloats(float[] data, long... shape) {
        Tensor t = allocate(DType.F32, shape);
        t.checkLength(data.length);
        MemorySegment.copy(data, 0, t.segment, FLOAT_LE, 0, data.length);
        return t;
    }

    public static Tensor ofInts(int[] data, long... shape) {
        Tensor t = allocate(DType.I32, shape);
        t.checkLength(data.length);
        MemorySegment.copy(data, 0, t.segment, INT_LE, 0, data.length);
        return t;
    }

    public static Tensor ofLongs(long[] data, long... shape) {
        Tensor t = allocate(DType.I64, shape);
        t.checkLength(data.length);
        MemorySegment.copy(data, 0, t.segment, LONG_LE, 0, data.length);
        return t;
    }

    public static Tensor ofBools(boolean[] data, long... shape) {
        Tensor t = allocate(DType.BOOL, shape);
        t.checkLength(data.length);
        for (int i = 0; i < data.length; i++) {
            t.segment.set(ValueLayout.JAVA_BYTE, i, data[i] ? (byte) 1 : 0);
        }
        return t;
    }

    /**
     * Deterministic test data from {@link SplittableRandom}, one draw per element in row-major
     * order. Floats are uniform over the multiples of 2^(1-p) in [-1, 1), p being the dtype's
     * significand bits, so every value is exact in the dtype and none rounds up to 1. Integers are
     * uniform in [0, 16); bools are true with probability 1/2.
     */
    public static Tensor random(DType dtype, long seed, long... shape) {
        Tensor t = allocate(dtype, shape);
        SplittableRandom rng = new SplittableRandom(seed);
        long half = dtype.isFloat() ? 1L << (significandBits(dtype) - 1) : 0;
        for (long i = 0; i < t.elementCount; i++) {
            double v;
            if (dtype.isFloat()) {
                v = (double) (rng.nextLong(2 * half) - half) / half;
            } else if (dtype.isInteger()) {
                v = rng.nextInt(16);
            } else {
                v = rng.nextBoolean() ? 1 : 0;
            }
            t.setDouble(i, v);
        }
        return t;
    }

    private static int significandBits(DType floatType) {
        return switch (floatType) {
            case F16 -> 11;
            case BF16 -> 8;
            default -> 24;
        };
    }

    public DType dtype() {
        return dtype;
    }

    /** A copy of the shape. */
    public long[] shape() {
        return shape.clone();
    }

    public int rank() {
        return shape.length;
    }

    public long dim(int i) {
        return shape[i];
    }

    public long elementCount() {
        return elementCount;
    }

    /** The bytes of the elements (of a view: of its own elements, not of its base). */
    public long byteSize() {
        return elementCount * dtype.byteSize();
    }

    /**
     * The elements in row-major order: this tensor's own memory. Only a contiguous tensor has
     * that; for any other, call {@link #contiguous()} first (reading) or use {@link #storage()} with
     * the strides.
     */
    public MemorySegment segment() {
        if (!contiguous) {
            throw new IllegalStateException("a " + shapeString() + " view with strides " + shapeString(strides)
                    + " is not contiguous: use contiguous() or storage()");
        }
        return segment.asSlice(offset * dtype.byteSize(), byteSize());
    }

    /** The storage element of flat (logical row-major) index {@code flat}. */
    private long at(long flat) {
        if (contiguous) return offset + flat;
        if (paging != null) return pagedAt(flat);
        long at = offset;
        for (int d = shape.length - 1; d >= 0; d--) {
            at += flat % shape[d] * strides[d];
            flat /= shape[d];
        }
        return at;
    }

    /** The storage element of flat index {@code flat} of a paged tensor, through its page table. */
    private long pagedAt(long flat) {
        long d = flat % shape[3];
        long rest = flat / shape[3];
        long kv = rest % shape[2];
        rest /= shape[2];
        long h = rest % shape[1];
        long b = rest / shape[1];
        int page = paging.page(b, kv);
        if (page < 0 || page >= paging.pageCount()) {
            throw new AttnInputException("page table entry [" + b + ", " + kv / paging.pageSize() + "] is " + page
                    + ", outside the " + paging.pageCount() + " pages");
        }
        return offset + page * paging.pageStride() + kv % paging.pageSize() * strides[2] + h * strides[1] + d;
    }

    public double getDouble(long flatIndex) {
        return dtype.isFloat() ? getFloat(flatIndex) : getLong(flatIndex);
    }

    /**
     * Stores {@code v} rounded once to the storage type. F16 and BF16 go through a round-to-odd
     * float, which keeps the double-to-float-to-half path from rounding twice. Integers truncate
     * toward zero; a bool stores whether {@code v} is nonzero (NaN is true, as in numpy).
     */
    public void setDouble(long flatIndex, double v) {
        switch (dtype) {
            case F32 -> segment.setAtIndex(FLOAT_LE, at(flatIndex), (float) v);
            case F16, BF16 -> setFloat(flatIndex, roundToOddFloat(v));
            case I32, I64 -> setLong(flatIndex, (long) v);
            case BOOL -> segment.set(ValueLayout.JAVA_BYTE, at(flatIndex), v != 0 ? (byte) 1 : 0);
        }
    }

    public float getFloat(long flatIndex) {
        return switch (dtype) {
            case F32 -> segment.getAtIndex(FLOAT_LE, at(flatIndex));
            case F16 -> Float.float16ToFloat(segment.getAtIndex(SHORT_LE, at(flatIndex)));
            case BF16 -> Float.intBitsToFloat(segment.getAtIndex(SHORT_LE, at(flatIndex)) << 16);
            case I32, I64, BOOL -> getLong(flatIndex);
        };
    }

    public void setFloat(long flatIndex, float v) {
        switch (dtype) {
            case F32 -> segment.setAtIndex(FLOAT_LE, at(flatIndex), v);
            case F16 -> segment.setAtIndex(SHORT_LE, at(flatIndex), Float.floatToFloat16(v));
            case BF16 -> segment.setAtIndex(SHORT_LE, at(flatIndex), floatToBf16(v));
            case I32, I64, BOOL -> setDouble(flatIndex, v);
        }
    }

    /** Integers as stored, bools as 0/1, floats truncated toward zero (NaN gives 0). */
    public long getLong(long flatIndex) {
        return switch (dtype) {
            case I32 -> segment.getAtIndex(INT_LE, at(flatIndex));
            case I64 -> segment.getAtIndex(LONG_LE, at(flatIndex));
            case BOOL -> segment.get(ValueLayout.JAVA_BYTE, at(flatIndex)) != 0 ? 1 : 0;
            case F32, F16, BF16 -> (long) getFloat(flatIndex);
        };
    }

    /** Integer stores wrap like numpy's astype; bools store whether {@code v} is nonzero. */
    private void setLong(long flatIndex, long v) {
        switch (dtype) {
            case I32 -> segment.setAtIndex(INT_LE, at(flatIndex), (int) v);
            case I64 -> segment.setAtIndex(LONG_LE, at(flatIndex), v);
            case BOOL -> segment.set(ValueLayout.JAVA_BYTE, at(flatIndex), v != 0 ? (byte) 1 : 0);
            case F32, F16, BF16 -> setDouble(flatIndex, v);
        }
    }

    /** The element at a multi-index, checked against the shape. */
    public double get(long... index) {
        if (index.length != shape.length) {
            throw new IllegalArgumentException("index " + shapeString(index) + " has "
                    + index.length + " dimensions but the tensor has shape " + shapeString());
        }
        long flat = 0;
        for (int d = 0; d < shape.length; d++) {
            if (index[d] < 0 || index[d] >= shape[d]) {
                throw new IndexOutOfBoundsException("index " + shapeString(index)
                        + " is out of bounds for shape " + shapeString());
            }
            flat = flat * shape[d] + index[d];
        }
        return getDouble(flat);
    }

    /**
     * A new tensor of the same shape with every value converted. Integer-to-integer conversions
     * go through long so that int64 values beyond 2^53 survive.
     */
    public Tensor convert(DType to) {
        Tensor out = allocate(to, shape);
        boolean viaDouble = dtype.isFloat() || to.isFloat();
        for (long i = 0; i < elementCount; i++) {
            if (viaDouble) {
                out.setDouble(i, getDouble(i));
            } else {
                out.setLong(i, getLong(i));
            }
        }
        return out;
    }

    public float[] toFloatArray() {
        float[] out = new float[arrayLength()];
        if (dtype == DType.F32 && contiguous) {
            MemorySegment.copy(segment, FLOAT_LE, offset * Float.BYTES, out, 0, out.length);
        } else {
            for (int i = 0; i < out.length; i++) {
                out[i] = getFloat(i);
            }
        }
        return out;
    }

    public double[] toDoubleArray() {
        double[] out = new double[arrayLength()];
        for (int i = 0; i < out.length; i++) {
            out[i] = getDouble(i);
        }
        return out;
    }

    /** Element {@code flat} of {@code from} (of this dtype) into element {@code flat} of this tensor, bit for bit. */
    private void copyElement(long flat, Tensor from) {
        long size = dtype.byteSize();
        MemorySegment.copy(from.segment, from.at(flat) * size, segment, at(flat) * size, size);
    }

    /** A tensor with the same dtype, shape and values in new, dense row-major memory. */
    public Tensor copy() {
        Tensor out = allocate(dtype, shape);
        if (contiguous) {
            MemorySegment.copy(segment, offset * dtype.byteSize(), out.segment, 0, byteSize());
        } else {
            for (long i = 0; i < elementCount; i++) out.copyElement(i, this);
        }
        return out;
    }

    public String shapeString() {
        return shapeString(shape);
    }

    /** "[2, 4, 128, 64]"; a scalar is "[]". */
    public static String shapeString(long[] shape) {
        return Arrays.toString(shape);
    }

    @Override
    public String toString() {
        return "Tensor(" + dtype + ", " + shapeString() + ")";
    }

    /**
     * Rounds to nearest even on the 16-bit boundary; the NaN branch sets the quiet bit so that a
     * NaN whose payload lives only in the low bits does not truncate to infinity.
     */
    private static short floatToBf16(float f) {
        int bits = Float.floatToRawIntBits(f);
        if (Float.isNaN(f)) {
            return (short) ((bits >>> 16) | 0x40);
        }
        return (short) ((bits + 0x7FFF + ((bits >>> 16) & 1)) >>> 16);
    }

    /**
     * The float nearest {@code v} toward the neighbour with an odd last bit when {@code v} is not
     * exact. Rounding that float again to a format with at most 22 significand bits gives the
     * same result as rounding {@code v} directly, which plain {@code (float) v} does not.
     */
    private static float roundToOddFloat(double v) {
        float f = (float) v;
        if (f == v || Double.isNaN(v) || (Float.floatToRawIntBits(f) & 1) != 0) {
            return f;
        }
        return Math.nextAfter(f, v);
    }

    static long[] rowMajorStrides(long[] shape) {
        long[] out = new long[shape.length];
        long stride = 1;
        for (int d = shape.length - 1; d >= 0; d--) {
            out[d] = stride;
            stride *= Math.max(1, shape[d]);
        }
        return out;
    }

    /** Whether these strides are row-major for this shape (a dimension of size 1 may have any stride: it is never stepped). */
    private static boolean isRowMajor(long[] shape, long[] strides) {
        long stride = 1;
        for (int d = shape.length - 1; d >= 0; d--) {
            if (shape[d] == 0) return true;
            if (shape[d] != 1 && strides[d] != stride) return false;
            stride *= shape[d];
        }
        return true;
    }

    private static long byteSize(DType dtype, long[] shape) {
        try {
            return Math.multiplyExact(elementCount(shape), dtype.byteSize());
        } catch (ArithmeticException e) {
            throw new AttnInputException("shape " + shapeString(shape) + " of " + dtype
                    + " needs more than 2^63 bytes");
        }
    }

    private static long elementCount(long[] shape) {
        long n = 1;
        for (long d : shape) {
            if (d < 0) {
                throw new AttnInputException("shape " + shapeString(shape)
                        + " has a negative dimension");
            }
            try {
                n = Math.multiplyExact(n, d);
            } catch (ArithmeticException e) {
                throw new AttnInputException("shape " + shapeString(shape)
                        + " has more than 2^63 elements");
            }
        }
        return n;
    }

    private void checkLength(int length) {
        if (length != elementCount) {
            throw new AttnInputException("shape " + shapeString() + " needs " + elementCount
                    + " values but " + length + " were given");
        }
    }

    private int arrayLength() {
        if (elementCount > Integer.MAX_VALUE - 8) {
            throw new AttnInputException("too large: a tensor of shape " + shapeString() + " has "
                    + elementCount + " elements, more than a Java array holds (" + (Integer.MAX_VALUE - 8) + ")");
        }
        return (int) elementCount;
    }
}
