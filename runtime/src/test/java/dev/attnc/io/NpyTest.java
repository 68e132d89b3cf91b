package dev.attnc.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnc.AttnInputException;
import dev.attnc.DType;
import dev.attnc.Tensor;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class NpyTest {
    @TempDir
    Path dir;

    /** np.save of np.arange(6, dtype=np.float32).reshape(2, 3), byte for byte. */
    private static byte[] numpyArange6() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, 118, 0});
        String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
        out.writeBytes((dict + " ".repeat(58) + "\n").getBytes(StandardCharsets.US_ASCII));
        out.writeBytes(HexFormat.of().parseHex(
                "00000000" + "0000803f" + "00000040" + "00004040" + "00008040" + "0000a040"));
        return out.toByteArray();
    }

    /** A file as numpy lays one out: magic, version, length, dict padded to 64, data. */
    private static byte[] npy(int major, String dict, byte[] data) {
        int prefix = major == 1 ? 10 : 12;
        byte[] dictBytes = dict.getBytes(major == 3 ? StandardCharsets.UTF_8
                : StandardCharsets.ISO_8859_1);
        int pad = 64 - (prefix + dictBytes.length + 1) % 64;
        ByteBuffer b = ByteBuffer.allocate(prefix + dictBytes.length + pad + 1 + data.length)
                .order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', (byte) major, 0});
        if (major == 1) {
            b.putShort((short) (dictBytes.length + pad + 1));
        } else {
            b.putInt(dictBytes.length + pad + 1);
        }
        b.put(dictBytes).put(" ".repeat(pad).getBytes(StandardCharsets.US_ASCII)).put((byte) '\n');
        return b.put(data).array();
    }

    private static String dict(String descr, String shape) {
        return "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape + ", }";
    }

    private static byte[] bytes(ByteOrder order, int size, long... values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * size).order(order);
        for (long v : values) {
            switch (size) {
                case 1 -> b.put((byte) v);
                case 2 -> b.putShort((short) v);
                case 4 -> b.putInt((int) v);
                default -> b.putLong(v);
            }
        }
        return b.array();
    }

    private Tensor readBytes(byte[] content) throws IOException {
        Path p = dir.resolve("in.npy");
        Files.write(p, content);
        return Npy.read(p);
    }

    private AttnInputException readError(byte[] content) throws IOException {
        Path p = dir.resolve("bad.npy");
        Files.write(p, content);
        var e = assertThrows(AttnInputException.class, () -> Npy.read(p));
        assertTrue(e.getMessage().contains(p.toString()), "names the file: " + e.getMessage());
        return e;
    }

    @ParameterizedTest
    @EnumSource(DType.class)
    void roundTripsEveryDtype(DType dtype) {
        for (long[] shape : List.of(new long[] {2, 3, 5}, new long[] {7}, new long[] {},
                new long[] {0, 4})) {
            Tensor t = Tensor.random(dtype, 7, shape);
            Path p = dir.resolve(dtype + "-" + shape.length + ".npy");
            Npy.write(p, t);
            Tensor back = Npy.read(p);
            // BF16 has no numpy dtype and comes back as the float32 it was written as.
            assertEquals(dtype == DType.BF16 ? DType.F32 : dtype, back.dtype());
            assertArrayEquals(shape, back.shape());
            assertArrayEquals(t.toDoubleArray(), back.toDoubleArray());
        }
    }

    @Test
    void writesExactlyWhatNumpyWrites() throws IOException {
        Path p = dir.resolve("a.npy");
        Npy.write(p, Tensor.ofFloats(new float[] {0, 1, 2, 3, 4, 5}, 2, 3));
        assertArrayEquals(numpyArange6(), Files.readAllBytes(p));
    }

    @Test
    void readsNumpyBytes() throws IOException {
        Tensor t = readBytes(numpyArange6());
        assertEquals(DType.F32, t.dtype());
        assertEquals("[2, 3]", t.shapeString());
        assertArrayEquals(new float[] {0, 1, 2, 3, 4, 5}, t.toFloatArray());
        assertEquals(5.0, t.get(1, 2));
    }

    @Test
    void readsScalar() throws IOException {
        Tensor t = readBytes(npy(1, dict("<i8", "()"), bytes(ByteOrder.LITTLE_ENDIAN, 8, -3)));
        assertEquals(0, t.rank());
        assertEquals(-3, t.getLong(0));
    }

    @Test
    void byteSwapsBigEndian() throws IOException {
        ByteOrder be = ByteOrder.BIG_ENDIAN;
        Tensor f = readBytes(npy(1, dict(">f4", "(2,)"),
                bytes(be, 4, Float.floatToIntBits(1.5f), Float.floatToIntBits(-2f))));
        assertArrayEquals(new float[] {1.5f, -2f}, f.toFloatArray());
        Tensor l = readBytes(npy(1, dict(">i8", "(1,)"), bytes(be, 8, (1L << 60) + 3)));
        assertEquals(DType.I64, l.dtype());
        assertEquals((1L << 60) + 3, l.getLong(0));
        Tensor h = readBytes(npy(1, dict(">f2", "(1,)"), bytes(be, 2, 0x3C00)));
        assertEquals(DType.F16, h.dtype());
        assertEquals(1.0f, h.getFloat(0));
        Tensor d = readBytes(npy(1, dict(">f8", "(1,)"),
                bytes(be, 8, Double.doubleToLongBits(0.25))));
        assertEquals(0.25f, d.getFloat(0));
        Tensor u = readBytes(npy(1, dict(">u2", "(1,)"), bytes(be, 2, 0xFFFE)));
        assertEquals(65534, u.getLong(0));
    }

    @Test
    void widensNarrowTypes() throws IOException {
        ByteOrder le = ByteOrder.LITTLE_ENDIAN;
        Tensor f8 = readBytes(npy(1, dict("<f8", "(2,)"),
                bytes(le, 8, Double.doubleToLongBits(0.1), Double.doubleToLongBits(-7))));
        assertEquals(DType.F32, f8.dtype());
        assertArrayEquals(new float[] {0.1f, -7f}, f8.toFloatArray());
        assertWidened(readBytes(npy(1, dict("|u1", "(2,)"), bytes(le, 1, 255, 1))), 255, 1);
        assertWidened(readBytes(npy(1, dict("|i1", "(2,)"), bytes(le, 1, -1, 7))), -1, 7);
        assertWidened(readBytes(npy(1, dict("<i2", "(2,)"), bytes(le, 2, -300, 9))), -300, 9);
        assertWidened(readBytes(npy(1, dict("<u2", "(2,)"), bytes(le, 2, 65535, 0))), 65535, 0);
    }

    private static void assertWidened(Tensor t, long... expected) {
        assertEquals(DType.I32, t.dtype());
        assertArrayEquals(expected, new long[] {t.getLong(0), t.getLong(1)});
    }

    @Test
    void readsVersion2And3Headers() throws IOException {
        byte[] data = bytes(ByteOrder.LITTLE_ENDIAN, 4, 7, 8, 9);
        Tensor v2 = readBytes(npy(2, dict("<i4", "(3,)"), data));
        assertArrayEquals(new double[] {7, 8, 9}, v2.toDoubleArray());
        // Version 3.0 is version 2.0 with a UTF-8 header; numpy uses it for non-latin-1 names.
        String utf8 = "{'descr': '<i4', 'fortran_order': False, 'shape': (3,), 'ü': 'ü', }";
        assertArrayEquals(new double[] {7, 8, 9}, readBytes(npy(3, utf8, data)).toDoubleArray());
    }

    @Test
    void readsPython2LongsInShape() throws IOException {
        Tensor t = readBytes(npy(1, dict("|b1", "(2L, 1L)"), new byte[] {1, 0}));
        assertArrayEquals(new long[] {2, 1}, t.shape());
        assertArrayEquals(new double[] {1, 0}, t.toDoubleArray());
    }

    @Test
    void writesVersion2WhenHeaderIsLarge() throws IOException {
        long[] shape = new long[30_000];
        Arrays.fill(shape, 1);
        Path p = dir.resolve("wide.npy");
        Npy.write(p, Tensor.allocate(DType.I32, shape));
        byte[] content = Files.readAllBytes(p);
        assertEquals(2, content[6]);
        long dataStart = content.length - 4;
        assertEquals(0, dataStart % 64, "data is 64-byte aligned");
        assertEquals(30_000, Npy.read(p).rank());
    }

    @Test
    void refusesFortranOrder() throws IOException {
        String d = "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }";
        var e = readError(npy(1, d, new byte[24]));
        assertTrue(e.getMessage().contains("is Fortran-ordered; save it with "
                + "numpy.ascontiguousarray"), e.getMessage());
    }

    @Test
    void refusesNonNpyFiles() throws IOException {
        var e = readError("PK\3\4 this is a zip".getBytes(StandardCharsets.ISO_8859_1));
        assertTrue(e.getMessage().contains("not an .npy file"), e.getMessage());
        assertTrue(readError(new byte[0]).getMessage().contains("not an .npy file"));
    }

    @Test
    void refusesTruncatedHeaders() throws IOException {
        byte[] whole = numpyArange6();
        for (int length : new int[] {7, 9, 60}) {
            var e = readError(Arrays.copyOf(whole, length));
            assertTrue(e.getMessage().contains("truncated .npy header"), e.getMessage());
        }
        var e = readError(Arrays.copyOf(whole, 60));
        assertTrue(e.getMessage().contains("declares 118 bytes but only 50 follow"),
                e.getMessage());
    }

    @Test
    void refusesUnknownVersion() throws IOException {
        byte[] content = numpyArange6();
        content[6] = 4;
        var e = readError(content);
        assertTrue(e.getMessage().contains("version 4.0"), e.getMessage());
    }

    @Test
    void refusesUnparsableHeaders() throws IOException {
        for (String d : List.of(
                "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3}",
                "{'descr': '<f4', 'fortran_order': Maybe, 'shape': (2, 3), }",
                "['descr', '<f4']",
                "{'descr': '<f4', 'shape': (2, 3), }",
                "{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,), }",
                "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), } trailing",
                "{'descr': '<f4, 'fortran_order': False, 'shape': (2, 3), }",
                "{'descr': " + "(".repeat(100_000) + ")".repeat(100_000) + "}")) {
            var e = readError(npy(1, d, new byte[24]));
            assertTrue(e.getMessage().contains("unparsable .npy header"), e.getMessage());
        }
        var e = readError(npy(1, dict("<f4", "(2, -3)"), new byte[24]));
        assertTrue(e.getMessage().contains("not a non-negative integer"), e.getMessage());
    }

    @Test
    void refusesUnsupportedDtypes() throws IOException {
        var c = readError(npy(1, dict("<c8", "(1,)"), new byte[8]));
        assertTrue(c.getMessage().contains("unsupported dtype '<c8'"), c.getMessage());
        assertTrue(c.getMessage().contains("<f4, <f2, <i4, <i8, |b1"), c.getMessage());
        var o = readError(npy(1, dict("|O", "(1,)"), new byte[8]));
        assertTrue(o.getMessage().contains("object arrays"), o.getMessage());
        String structured = "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }";
        var s = readError(npy(1, structured, new byte[4]));
        assertTrue(s.getMessage().contains("structured dtype"), s.getMessage());
    }

    @Test
    void refusesShortData() throws IOException {
        var e = readError(Arrays.copyOf(numpyArange6(), 128 + 20));
        assertTrue(e.getMessage().contains("needs 24 bytes but 20 follow the header"),
                e.getMessage());
    }

    @Test
    void missingFileIsAnInputError() {
        Path p = dir.resolve("nope.npy");
        var e = assertThrows(AttnInputException.class, () -> Npy.read(p));
        assertTrue(e.getMessage().contains(p + ": no such file"), e.getMessage());
    }

    @Test
    void writeIsAtomicAndLeavesNoTempFiles() throws IOException {
        Path p = dir.resolve("out.npy");
        Npy.write(p, Tensor.ofInts(new int[] {1, 2}, 2));
        Npy.write(p, Tensor.ofInts(new int[] {3}, 1));
        assertArrayEquals(new double[] {3}, Npy.read(p).toDoubleArray());
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(p), files.toList());
        }
    }

    @Test
    void failedWriteLeavesNoTempFiles() throws IOException {
        Path blocked = Files.createDirectory(dir.resolve("blocked.npy"));
        Files.writeString(blocked.resolve("keep"), "x");
        var e = assertThrows(AttnInputException.class,
                () -> Npy.write(blocked, Tensor.allocate(DType.F32, 4)));
        assertTrue(e.getMessage().contains("cannot write " + blocked), e.getMessage());
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(blocked), files.toList());
        }
        Path noDir = dir.resolve("missing/out.npy");
        var m = assertThrows(AttnInputException.class,
                () -> Npy.write(noDir, Tensor.allocate(DType.F32, 4)));
        assertTrue(m.getMessage().contains("no such file or directory"), m.getMessage());
    }
}
