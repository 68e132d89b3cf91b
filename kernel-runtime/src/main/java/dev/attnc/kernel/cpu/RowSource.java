package dev.attnc.kernel.cpu;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Where packing reads K and V rows from: a float array, or the memory a tensor lies in, converted to
 * float as it is read. A decode step's K and V caches are read where they lie, once, by the tasks
 * that pack them, instead of being copied whole into a float array first on one thread.
 */
public sealed interface RowSource {
    /** Elements readable. */
    long length();

    /** Elements {@code from .. from + n} into {@code to[at ..]}. */
    void copy(long from, float[] to, int at, int n);

    static RowSource of(float[] array) {
        return new Floats(array);
    }

    /** A float32 array. */
    record Floats(float[] array) implements RowSource {
        public long length() {
            return array.length;
        }

        public void copy(long from, float[] to, int at, int n) {
            System.arraycopy(array, Math.toIntExact(from), to, at, n);
        }
    }

    /** How memory holds its elements: little-endian float32, bfloat16 or float16. */
    enum Format {
        F32(4), BF16(2), F16(2);

        final int bytes;

        Format(int bytes) {
            this.bytes = bytes;
        }
    }

    /** Elements of {@code format} in {@code memory}, from its start. */
    record Memory(MemorySegment memory, Format format) implements RowSource {
        private static final ValueLayout.OfFloat FLOAT_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        private static final ValueLayout.OfShort SHORT_LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

        public long length() {
            return memory.byteSize() / format.bytes;
        }

        public void copy(long from, float[] to, int at, int n) {
            switch (format) {
                case F32 -> MemorySegment.copy(memory, FLOAT_LE, from * 4, to, at, n);
                case BF16 -> {
                    for (int i = 0; i < n; i++) to[at + i] = Float.intBitsToFloat(memory.getAtIndex(SHORT_LE, from + i) << 16);
                }
                case F16 -> {
                    for (int i = 0; i < n; i++) to[at + i] = Float.float16ToFloat(memory.getAtIndex(SHORT_LE, from + i));
                }
            }
        }
    }
}
