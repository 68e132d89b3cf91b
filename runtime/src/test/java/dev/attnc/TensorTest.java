package dev.attnc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class TensorTest {

    @Test
    void dtypeProperties() {
        assertEquals(4, DType.F32.byteSize());
        assertEquals(2, DType.BF16.byteSize());
        assertEquals(8, DType.I64.byteSize());
        assertEquals(1, DType.BOOL.byteSize());
        assertTrue(DType.BF16.isFloat() && !DType.BF16.isInteger());
        assertTrue(DType.I32.isInteger() && !DType.I32.isFloat());
        assertTrue(DType.BOOL.isBool() && !DType.BOOL.isInteger() && !DType.BOOL.isFloat());
        assertEquals("bfloat16", DType.BF16.displayName());
        assertEquals("bool", DType.BOOL.displayName());
    }

    @Test
    void dtypeParseAcceptsEverySpelling() {
        assertEquals(DType.F32, DType.parse("f32"));
        assertEquals(DType.F32, DType.parse("float32"));
        assertEquals(DType.F16, DType.parse("half"));
        assertEquals(DType.F16, DType.parse("F16"));
        assertEquals(DType.BF16, DType.parse("bfloat16"));
        assertEquals(DType.I32, DType.parse("int32"));
        assertEquals(DType.I64, DType.parse(" i64 "));
        assertEquals(DType.BOOL, DType.parse("bool"));
    }

    @Test
    void dtypeParseListsAcceptedNames() {
        var e = assertThrows(AttnInputException.class, () -> DType.parse("float64"));
        assertTrue(e.getMessage().contains("'float64'"), e.getMessage());
        assertTrue(e.getMessage().contains("f16/float16/half"), e.getMessage());
        assertTrue(e.getMessage().contains("bf16/bfloat16"), e.getMessage());
    }

    @Test
    void allocateIsZeroFilledWithImmutableShape() {
        Tensor t = Tensor.allocate(DType.F32, 2, 4, 128, 64);
        assertEquals(4, t.rank());
        assertEquals(128, t.dim(2));
        assertEquals(2L * 4 * 128 * 64, t.elementCount());
        assertEquals(t.elementCount() * 4, t.byteSize());
        assertEquals("[2, 4, 128, 64]", t.shapeString());
        assertEquals(0.0, t.getDouble(t.elementCount() - 1));
        t.shape()[0] = 99;
        assertEquals(2, t.dim(0));
    }

    @Test
    void scalarAndEmptyShapes() {
        Tensor s = Tensor.ofFloats(new float[] {2.5f});
        assertEquals(0, s.rank());
        assertEquals(1, s.elementCount());
        assertEquals("[]", s.shapeString());
        assertEquals(2.5, s.get());
        Tensor empty = Tensor.allocate(DType.I64, 0, 3);
        assertEquals(0, empty.elementCount());
        assertEquals(0, empty.byteSize());
    }

    @Test
    void badShapesAndLengthsAreInputErrors() {
        var neg = assertThrows(AttnInputException.class, () -> Tensor.allocate(DType.F32, 2, -3));
        assertTrue(neg.getMessage().contains("[2, -3]"), neg.getMessage());
        assertThrows(AttnInputException.class,
                () -> Tensor.allocate(DType.F32, 1L << 40, 1L << 40));
        var len = assertThrows(AttnInputException.class,
                () -> Tensor.ofFloats(new float[5], 2, 3));
        assertTrue(len.getMessage().contains("needs 6 values but 5"), len.getMessage());
    }

    @Test
    void storageIsLittleEndian() {
        Tensor t = Tensor.ofFloats(new float[] {1.0f}, 1);
        assertArrayEquals(new byte[] {0, 0, (byte) 0x80, 0x3f},
                t.segment().toArray(ValueLayout.JAVA_BYTE));
        Tensor i = Tensor.ofInts(new int[] {0x01020304}, 1);
        assertArrayEquals(new byte[] {4, 3, 2, 1}, i.segment().toArray(ValueLayout.JAVA_BYTE));
    }

    @Test
    void wrapChecksSegmentSize() {
        var seg = Arena.ofAuto().allocate(24);
        Tensor t = Tensor.wrap(DType.I32, seg, 2, 3);
        t.setDouble(5, 7);
        assertEquals(7, seg.getAtIndex(ValueLayout.JAVA_INT_UNALIGNED, 5));
        var e = assertThrows(AttnInputException.class, () -> Tensor.wrap(DType.F32, seg, 2, 2));
        assertTrue(e.getMessage().contains("needs 16 bytes but the segment has 24"),
                e.getMessage());
    }

    @Test
    void factoriesAndAccessors() {
        Tensor ints = Tensor.ofInts(new int[] {1, -2, 3, 4, 5, 6}, 2, 3);
        assertEquals(-2.0, ints.getDouble(1));
        assertEquals(6.0, ints.get(1, 2));
        assertEquals(4L, ints.getLong(3));
        Tensor longs = Tensor.ofLongs(new long[] {(1L << 60) + 1}, 1);
        assertEquals((1L << 60) + 1, longs.getLong(0));
        Tensor bools = Tensor.ofBools(new boolean[] {true, false}, 2);
        assertEquals(1L, bools.getLong(0));
        assertEquals(0.0, bools.getDouble(1));
        Tensor floats = Tensor.ofFloats(new float[] {2.7f, -2.7f, Float.NaN}, 3);
        assertEquals(2L, floats.getLong(0));
        assertEquals(-2L, floats.getLong(1));
        assertEquals(0L, floats.getLong(2));
    }

    @Test
    void multiIndexIsBoundsChecked() {
        Tensor t = Tensor.allocate(DType.F32, 2, 3);
        var oob = assertThrows(IndexOutOfBoundsException.class, () -> t.get(1, 3));
        assertTrue(oob.getMessage().contains("[1, 3]") && oob.getMessage().contains("[2, 3]"));
        assertThrows(IndexOutOfBoundsException.class, () -> t.get(-1, 0));
        assertThrows(IllegalArgumentException.class, () -> t.get(1));
    }

    @Test
    void f16RoundsToNearestEven() {
        Tensor t = Tensor.allocate(DType.F16, 1);
        float ulp = 0x1p-10f;
        assertStored(t, 1.0f, 1 + ulp / 2);              // tie, even is down
        assertStored(t, 1 + 2 * ulp, 1 + 1.5f * ulp);    // tie, even is up
        assertStored(t, 65504f, 65519f);                 // largest finite half
        assertStored(t, Float.POSITIVE_INFINITY, 65520f);
        assertStored(t, 0x1p-24f, 0x1p-24f);             // smallest subnormal is exact
        assertStored(t, 0f, 0x1p-25f);                   // tie to zero
        t.setFloat(0, Float.NaN);
        assertTrue(Float.isNaN(t.getFloat(0)));
    }

    @Test
    void bf16RoundsToNearestEvenAndKeepsNaN() {
        Tensor t = Tensor.allocate(DType.BF16, 1);
        float ulp = 0x1p-7f;
        assertStored(t, 1.0f, 1 + ulp / 2);
        assertStored(t, 1 + 2 * ulp, 1 + 1.5f * ulp);
        assertStored(t, 1 + ulp, 1 + ulp / 2 + 0x1p-20f);
        assertStored(t, -1.0f, -(1 + ulp / 2));
        assertStored(t, 3.140625f, (float) Math.PI);
        assertStored(t, Float.POSITIVE_INFINITY, Float.MAX_VALUE);
        // A NaN whose payload is only in the low 16 bits must not become infinity.
        t.setFloat(0, Float.intBitsToFloat(0x7F800001));
        assertTrue(Float.isNaN(t.getFloat(0)));
    }

    @Test
    void setDoubleRoundsOnceForHalfTypes() {
        // (float) d lands exactly on the half-way point; rounding that again would go down.
        Tensor h = Tensor.allocate(DType.F16, 1);
        h.setDouble(0, 1 + 0x1p-11 + 0x1p-40);
        assertEquals(1 + 0x1p-10, h.getDouble(0));
        Tensor b = Tensor.allocate(DType.BF16, 1);
        b.setDouble(0, 1 + 0x1p-8 + 0x1p-40);
        assertEquals(1 + 0x1p-7, b.getDouble(0));
    }

    @Test
    void boolStoresNonzeroness() {
        Tensor t = Tensor.allocate(DType.BOOL, 3);
        t.setDouble(0, 0.5);
        t.setDouble(1, Double.NaN);
        t.setFloat(2, -0.0f);
        assertArrayEquals(new double[] {1, 1, 0}, t.toDoubleArray());
    }

    @Test
    void convertBetweenTypes() {
        Tensor f = Tensor.ofFloats(new float[] {1.9f, -1.9f, 0f, 3f}, 2, 2);
        assertArrayEquals(new double[] {1, -1, 0, 3}, f.convert(DType.I32).toDoubleArray());
        assertArrayEquals(new double[] {1, 1, 0, 1}, f.convert(DType.BOOL).toDoubleArray());
        assertArrayEquals(new long[] {2, 2}, f.convert(DType.F16).shape());
        Tensor big = Tensor.ofLongs(new long[] {(1L << 60) + 1, (1L << 32) + 5}, 2);
        assertEquals((1L << 60) + 1, big.convert(DType.I64).getLong(0));
        assertEquals(5, big.convert(DType.I32).getLong(1)); // wraps, as numpy's astype
        Tensor b = Tensor.ofBools(new boolean[] {true, false}, 2);
        assertArrayEquals(new float[] {1f, 0f}, b.convert(DType.F32).toFloatArray());
    }

    @ParameterizedTest
    @EnumSource(DType.class)
    void randomIsDeterministicAndInRange(DType dtype) {
        Tensor a = Tensor.random(dtype, 42, 16, 64);
        Tensor b = Tensor.random(dtype, 42, 16, 64);
        assertArrayEquals(a.toDoubleArray(), b.toDoubleArray());
        assertFalse(java.util.Arrays.equals(a.toDoubleArray(),
                Tensor.random(dtype, 43, 16, 64).toDoubleArray()));
        Set<Double> distinct = new HashSet<>();
        for (double v : a.toDoubleArray()) {
            distinct.add(v);
            if (dtype.isFloat()) {
                assertTrue(v >= -1 && v < 1, "float out of [-1, 1): " + v);
            } else if (dtype.isInteger()) {
                assertTrue(v >= 0 && v < 16 && v == Math.rint(v), "int out of [0, 16): " + v);
            } else {
                assertTrue(v == 0 || v == 1);
            }
        }
        assertTrue(distinct.size() > (dtype.isBool() ? 1 : 15), "too few distinct values");
    }

    @Test
    void arraysAndCopy() {
        Tensor t = Tensor.ofFloats(new float[] {1, 2, 3, 4}, 4);
        Tensor c = t.copy();
        c.setFloat(0, 9);
        assertEquals(1f, t.getFloat(0));
        assertArrayEquals(new float[] {9, 2, 3, 4}, c.toFloatArray());
        Tensor h = t.convert(DType.F16);
        assertArrayEquals(new float[] {1, 2, 3, 4}, h.toFloatArray());
        assertArrayEquals(new double[] {1, 2, 3, 4}, h.toDoubleArray());
        assertNotEquals(t.segment(), c.segment());
    }

    private static void assertStored(Tensor t, float expected, float input) {
        t.setFloat(0, input);
        assertEquals(expected, t.getFloat(0), "storing " + input);
        t.setDouble(0, input);
        assertEquals(expected, t.getFloat(0), "storing " + input + " as double");
    }
}
