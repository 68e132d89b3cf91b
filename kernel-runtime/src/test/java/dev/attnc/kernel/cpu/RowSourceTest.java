package dev.attnc.kernel.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

/** K and V rows read where they lie: memory in each float format gives what a float array of the same values gives. */
class RowSourceTest {
    private static final ValueLayout.OfShort SHORT_LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final float[] VALUES = {0f, 1f, -2.5f, 0.375f, 1024f, -0.125f, 3f, 65504f};

    private static MemorySegment memory(RowSource.Format format) {
        MemorySegment m = Arena.ofAuto().allocate((long) VALUES.length * format.bytes);
        for (int i = 0; i < VALUES.length; i++) {
            switch (format) {
                case F32 -> m.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), i, VALUES[i]);
                case BF16 -> m.setAtIndex(SHORT_LE, i, (short) (Float.floatToRawIntBits(VALUES[i]) >>> 16)); // exact: each value fits 8 bits of mantissa
                case F16 -> m.setAtIndex(SHORT_LE, i, Float.floatToFloat16(VALUES[i]));
            }
        }
        return m;
    }

    @Test
    void everyFormatReadsTheValuesAtAnOffset() {
        float[] want = new float[5];
        RowSource.of(VALUES).copy(2, want, 1, 4);
        assertArrayEquals(new float[] {0f, -2.5f, 0.375f, 1024f, -0.125f}, want);
        for (RowSource.Format format : RowSource.Format.values()) {
            RowSource memory = new RowSource.Memory(memory(format), format);
            assertEquals(VALUES.length, memory.length(), format.name());
            float[] got = new float[5];
            memory.copy(2, got, 1, 4);
            assertArrayEquals(want, got, format.name());
        }
    }

    @Test
    void packingFromMemoryEqualsPackingFromTheArray() {
        int kvLen = 3, d = 2, blockN = 4; // VALUES as [kvLen = 3 (+ 2 unused), d = 2] rows: keys 0..2
        RowLayout layout = new RowLayout(0, 0, 0, d);
        int nPad = Gemm.padded(blockN), dPad = Gemm.padded(d);
        float[] fromArrayK = new float[Packing.tileSize(d, nPad)], fromMemoryK = new float[fromArrayK.length];
        float[] fromArrayV = new float[Packing.tileSize(blockN, dPad)], fromMemoryV = new float[fromArrayV.length];
        RowSource memory = new RowSource.Memory(memory(RowSource.Format.F32), RowSource.Format.F32);
        Packing.keysTransposed(RowSource.of(VALUES), layout, 0, 0, kvLen, d, blockN, nPad, 1, 0, 0, fromArrayK);
        Packing.keysTransposed(memory, layout, 0, 0, kvLen, d, blockN, nPad, 1, 0, 0, fromMemoryK);
        Packing.values(RowSource.of(VALUES), layout, 0, 0, kvLen, d, blockN, dPad, 1, 0, 0, fromArrayV);
        Packing.values(memory, layout, 0, 0, kvLen, d, blockN, dPad, 1, 0, 0, fromMemoryV);
        assertArrayEquals(fromArrayK, fromMemoryK);
        assertArrayEquals(fromArrayV, fromMemoryV);
        assertEquals(-2.5f, fromMemoryK[Gemm.panelRow(0, 0, nPad, Packing.panelStride(d)) + 1]); // K'[0][1] = K[1][0]
    }
}
