package dev.attnc;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * A dense tensor in host memory: contiguous, row-major, little-endian, in a {@link MemorySegment}
 * so that kernels and device copies use it without a Java array in between. The shape is fixed;
 * the contents are mutable.
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
    private final long elementCount;
    private final MemorySegment segment;
    /** The element type its source gave, when it was converted on the way in (an .npy of int8 read as int32); else null. */
    private final String givenType;

    private Tensor(DType dtype, long[] shape, MemorySegment segment) {
        this(dtype, shape, segment, null);
    }

    private Tensor(DType dtype, long[] shape, MemorySegment segment, String givenType) {
        this.dtype = dtype;
        this.shape = shape;
        this.elementCount = elementCount(shape);
        this.segment = segment;
        this.givenType = givenType;
    }

    /** This tensor (same memory) remembering that its source called its element type {@code typeName}, for messages. */
    public Tensor givenAs(String typeName) {
        return new Tensor(dtype, shape, segment, typeName);
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

    public long byteSize() {
        return segment.byteSize();
    }

    public MemorySegment segment() {
        return segment;
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
            case F32 -> segment.setAtIndex(FLOAT_LE, flatIndex, (float) v);
            case F16, BF16 -> setFloat(flatIndex, roundToOddFloat(v));
            case I32, I64 -> setLong(flatIndex, (long) v);
            case BOOL -> segment.set(ValueLayout.JAVA_BYTE, flatIndex, v != 0 ? (byte) 1 : 0);
        }
    }

    public float getFloat(long flatIndex) {
        return switch (dtype) {
            case F32 -> segment.getAtIndex(FLOAT_LE, flatIndex);
            case F16 -> Float.float16ToFloat(segment.getAtIndex(SHORT_LE, flatIndex));
            case BF16 -> Float.intBitsToFloat(segment.getAtIndex(SHORT_LE, flatIndex) << 16);
            case I32, I64, BOOL -> getLong(flatIndex);
        };
    }

    public void setFloat(long flatIndex, float v) {
        switch (dtype) {
            case F32 -> segment.setAtIndex(FLOAT_LE, flatIndex, v);
            case F16 -> segment.setAtIndex(SHORT_LE, flatIndex, Float.floatToFloat16(v));
            case BF16 -> segment.setAtIndex(SHORT_LE, flatIndex, floatToBf16(v));
            case I32, I64, BOOL -> setDouble(flatIndex, v);
        }
    }

    /** Integers as stored, bools as 0/1, floats truncated toward zero (NaN gives 0). */
    public long getLong(long flatIndex) {
        return switch (dtype) {
            case I32 -> segment.getAtIndex(INT_LE, flatIndex);
            case I64 -> segment.getAtIndex(LONG_LE, flatIndex);
            case BOOL -> segment.get(ValueLayout.JAVA_BYTE, flatIndex) != 0 ? 1 : 0;
            case F32, F16, BF16 -> (long) getFloat(flatIndex);
        };
    }

    /** Integer stores wrap like numpy's astype; bools store whether {@code v} is nonzero. */
    private void setLong(long flatIndex, long v) {
        switch (dtype) {
            case I32 -> segment.setAtIndex(INT_LE, flatIndex, (int) v);
            case I64 -> segment.setAtIndex(LONG_LE, flatIndex, v);
            case BOOL -> segment.set(ValueLayout.JAVA_BYTE, flatIndex, v != 0 ? (byte) 1 : 0);
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
        if (dtype == DType.F32) {
            MemorySegment.copy(segment, FLOAT_LE, 0, out, 0, out.length);
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

    /** A tensor with the same dtype, shape and values in new memory. */
    public Tensor copy() {
        Tensor out = allocate(dtype, shape);
        MemorySegment.copy(segment, 0, out.segment, 0, segment.byteSize());
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
