package dev.attnc.io;

import dev.attnc.AttnInputException;
import dev.attnc.DType;
import dev.attnc.Tensor;
import java.io.EOFException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongToDoubleFunction;

/**
 * Reads and writes numpy's .npy files (format versions 1.0, 2.0 and 3.0), so that inputs and
 * reference outputs can come from and go to Python unchanged.
 *
 * <p>Read: {@code <f4 <f2 <i4 <i8 |b1} become F32, F16, I32, I64 and BOOL as stored; {@code <f8}
 * is rounded to F32 and {@code |u1 |i1 <i2 <u2} widen to I32; the big-endian {@code >} forms are
 * byte-swapped. Object and structured arrays are refused, and so are Fortran-ordered ones of rank
 * 2 or more (below that the bytes are the same). Bytes after the data are ignored, as numpy
 * ignores them.
 *
 * <p>Write: version 1.0 (2.0 only when the header needs it), laid out byte for byte as
 * {@code numpy.save} does. BF16 has no numpy dtype, so a BF16 tensor is written as {@code <f4}
 * (exactly, since every bfloat16 is a float32); reading it back gives F32.
 *
 * <p>Every problem with a file is an {@link AttnInputException} that names the file.
 */
public final class Npy {
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    /** numpy aligns the start of the data to this many bytes. */
    private static final int ALIGN = 64;
    /** numpy pads the header for this many digits in the first axis, so it can grow in place. */
    private static final int GROWTH_AXIS_MAX_DIGITS = 21;
    /** Largest slice handed to a ByteBuffer at once; ByteBuffers are int-indexed. */
    private static final long CHUNK = 1 << 30;
    private static final String SUPPORTED =
            "<f4, <f2, <i4, <i8, |b1, <f8, |u1, |i1, <i2, <u2 (and the big-endian '>' forms)";

    private Npy() {}

    /** A descr's element as stored in the file; {@code target} is the tensor dtype it becomes. */
    private record Element(String descr, int size, ByteOrder order, DType target) {
        /**
         * Whether the bytes, once little-endian, are the target's storage. Size decides it: every
         * supported descr of the target's size is the target's own type.
         */
        boolean isStorage() {
            return size == target.byteSize();
        }
    }

    private record Header(Element element, long[] shape, long dataOffset) {}

    public static Tensor read(Path path) {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            Header h = readHeader(path, ch);
            long count = elementCount(path, h.shape);
            Element e = h.element;
            long expected = multiply(path, h.shape, count, e.size);
            long found = ch.size() - h.dataOffset;
            if (found < expected) {
                throw new AttnInputException(path + ": data is truncated: shape "
                        + Tensor.shapeString(h.shape) + " of '" + e.descr + "' needs " + expected
                        + " bytes but " + found + " follow the header");
            }
            MemorySegment raw = Arena.ofAuto().allocate(expected, 64);
            for (long off = 0; off < expected; off += CHUNK) {
                long n = Math.min(CHUNK, expected - off);
                readFully(ch, raw.asSlice(off, n).asByteBuffer(), h.dataOffset + off);
            }
            if (e.order == ByteOrder.BIG_ENDIAN) {
                swapBytes(raw, e.size);
            }
            return e.isStorage() ? Tensor.wrap(e.target, raw, h.shape) : widen(raw, e, h.shape).givenAs(numpyName(e.descr));
        } catch (IOException ex) {
            throw new AttnInputException("cannot read " + path + ": " + reason(ex), ex);
        }
    }

    /** Writes atomically ({@link AtomicFile}): a reader never sees half a file. BF16 is stored as {@code <f4}. */
    public static void write(Path path, Tensor t) {
        try (AtomicFile f = stage(path, t)) {
            f.commit();
        } catch (IOException ex) {
            throw new AttnInputException("cannot write " + path + ": " + reason(ex), ex);
        }
    }

    /**
     * Writes {@code t} beside {@code path}, to be moved into place by {@link AtomicFile#commit}
     * (several outputs all-or-nothing: stage each, then commit each). BF16 is stored as {@code <f4}.
     */
    public static AtomicFile stage(Path path, Tensor t) {
        Tensor data = t.dtype() == DType.BF16 ? t.convert(DType.F32) : t.contiguous();
        try {
            return AtomicFile.stage(path, ch -> {
                ch.write(ByteBuffer.wrap(header(data)));
                MemorySegment seg = data.segment();
                for (long off = 0; off < seg.byteSize(); off += CHUNK) {
                    ByteBuffer buf = seg.asSlice(off, Math.min(CHUNK, seg.byteSize() - off)).asByteBuffer();
                    while (buf.hasRemaining()) ch.write(buf);
                }
            });
        } catch (IOException ex) {
            throw new AttnInputException("cannot write " + path + ": " + reason(ex), ex);
        }
    }

    /** The cause in words; the path-only messages of NIO's exceptions say nothing by themselves. */
    private static String reason(IOException ex) {
        return switch (ex) {
            case NoSuchFileException _ -> "no such file or directory";
            case AccessDeniedException _ -> "permission denied";
            case FileSystemException e when e.getReason() != null -> e.getReason();
            default -> ex.getMessage() != null ? ex.getMessage() : ex.getClass().getSimpleName();
        };
    }

    /** The magic, version, length and dict, padded with spaces and a newline as numpy does. */
    private static byte[] header(Tensor t) {
        long[] shape = t.shape();
        String descr = switch (t.dtype()) {
            case F32 -> "<f4";
            case F16 -> "<f2";
            case I32 -> "<i4";
            case I64 -> "<i8";
            case BOOL -> "|b1";
            case BF16 -> throw new AssertionError("BF16 is converted before writing");
        };
        StringBuilder dims = new StringBuilder("(");
        for (int i = 0; i < shape.length; i++) {
            dims.append(i == 0 ? "" : ", ").append(shape[i]);
        }
        dims.append(shape.length == 1 ? ",)" : ")");
        String dict = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + dims + ", }"
                + (shape.length == 0 ? ""
                        : " ".repeat(GROWTH_AXIS_MAX_DIGITS - Long.toString(shape[0]).length()));
        int dictLen = dict.length() + 1;
        boolean v1 = dictLen + ALIGN - (10 + dictLen) % ALIGN <= 0xFFFF;
        int prefix = v1 ? 10 : 12;
        int pad = ALIGN - (prefix + dictLen) % ALIGN;
        ByteBuffer out = ByteBuffer.allocate(prefix + dictLen + pad).order(ByteOrder.LITTLE_ENDIAN);
        out.put(MAGIC).put((byte) (v1 ? 1 : 2)).put((byte) 0);
        if (v1) {
            out.putShort((short) (dictLen + pad));
        } else {
            out.putInt(dictLen + pad);
        }
        out.put(dict.getBytes(StandardCharsets.ISO_8859_1)).put(" ".repeat(pad).getBytes(
                StandardCharsets.ISO_8859_1)).put((byte) '\n');
        return out.array();
    }

    private static Header readHeader(Path path, FileChannel ch) throws IOException {
        long size = ch.size();
        ByteBuffer prefix = ByteBuffer.allocate((int) Math.min(size, 12));
        readFully(ch, prefix, 0);
        prefix.flip();
        for (int i = 0; i < MAGIC.length; i++) {
            if (i >= prefix.limit() || prefix.get(i) != MAGIC[i]) {
                throw new AttnInputException(path + ": not an .npy file (it does not start with"
                        + " the \\x93NUMPY magic)");
            }
        }
        if (prefix.limit() < 8) {
            throw truncatedHeader(path, "the version bytes are missing");
        }
        int major = Byte.toUnsignedInt(prefix.get(6));
        int minor = Byte.toUnsignedInt(prefix.get(7));
        if (major < 1 || major > 3 || minor != 0) {
            throw new AttnInputException(path + ": unsupported .npy format version " + major + "."
                    + minor + " (supported: 1.0, 2.0, 3.0)");
        }
        int lengthBytes = major == 1 ? 2 : 4;
        if (prefix.limit() < 8 + lengthBytes) {
            throw truncatedHeader(path, "the header length is missing");
        }
        ByteBuffer le = prefix.order(ByteOrder.LITTLE_ENDIAN);
        long dictLen = major == 1 ? Short.toUnsignedLong(le.getShort(8))
                : Integer.toUnsignedLong(le.getInt(8));
        long dataOffset = 8 + lengthBytes + dictLen;
        if (dataOffset > size) {
            throw truncatedHeader(path, "it declares " + dictLen + " bytes but only "
                    + (size - 8 - lengthBytes) + " follow");
        }
        if (dictLen > Integer.MAX_VALUE) {
            throw new AttnInputException(path + ": header length " + dictLen + " is implausible");
        }
        ByteBuffer dictBytes = ByteBuffer.allocate((int) dictLen);
        readFully(ch, dictBytes, 8 + lengthBytes);
        Charset cs = major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1;
        String text = cs.decode(dictBytes.flip()).toString();
        Map<String, Object> dict = HeaderParser.parseDict(path, text);
        return new Header(element(path, dict.get("descr")), shape(path, dict), dataOffset);
    }

    private static AttnInputException truncatedHeader(Path path, String detail) {
        return new AttnInputException(path + ": truncated .npy header: " + detail);
    }

    private static Element element(Path path, Object descr) {
        if (!(descr instanceof String s)) {
            throw new AttnInputException(path + ": structured dtypes (records with named fields)"
                    + " are not supported; supported dtypes: " + SUPPORTED);
        }
        if (s.length() >= 2 && s.charAt(1) == 'O') {
            throw new AttnInputException(path + ": object arrays (dtype '" + s + "') hold"
                    + " Python objects, not numbers, and cannot be read; supported dtypes: "
                    + SUPPORTED);
        }
        DType target = s.length() != 3 ? null : switch (s.substring(1)) {
            case "f4", "f8" -> DType.F32;
            case "f2" -> DType.F16;
            case "i4", "i1", "u1", "i2", "u2" -> DType.I32;
            case "i8" -> DType.I64;
            case "b1" -> DType.BOOL;
            default -> null;
        };
        int size = target == null ? 0 : s.charAt(2) - '0';
        char order = s.isEmpty() ? '?' : s.charAt(0);
        boolean orderOk = order == '<' || order == '>' || (order == '|' && size == 1);
        if (target == null || !orderOk) {
            throw new AttnInputException(path + ": unsupported dtype '" + s
                    + "'; supported dtypes: " + SUPPORTED);
        }
        boolean swap = order == '>' && size > 1;
        ByteOrder bo = swap ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
        return new Element(s, size, bo, target);
    }

    private static long[] shape(Path path, Map<String, Object> dict) {
        if (!(dict.get("fortran_order") instanceof Boolean fortran)) {
            throw new AttnInputException(path + ": unparsable .npy header: 'fortran_order' is "
                    + "not True or False");
        }
        if (!(dict.get("shape") instanceof List<?> dims)) {
            throw new AttnInputException(path + ": unparsable .npy header: 'shape' is not a "
                    + "tuple");
        }
        long[] shape = new long[dims.size()];
        for (int i = 0; i < shape.length; i++) {
            if (!(dims.get(i) instanceof Long d) || d < 0) {
                throw new AttnInputException(path + ": unparsable .npy header: shape " + dims
                        + " has an entry that is not a non-negative integer");
            }
            shape[i] = d;
        }
        if (fortran && shape.length > 1) {
            throw new AttnInputException(path + ": array of shape " + Tensor.shapeString(shape)
                    + " is Fortran-ordered; save it with numpy.ascontiguousarray");
        }
        return shape;
    }

    private static long elementCount(Path path, long[] shape) {
        long n = 1;
        for (long d : shape) {
            n = multiply(path, shape, n, d);
        }
        return n;
    }

    private static long multiply(Path path, long[] shape, long a, long b) {
        try {
            return Math.multiplyExact(a, b);
        } catch (ArithmeticException ex) {
            throw new AttnInputException(path + ": shape " + Tensor.shapeString(shape)
                    + " is too large");
        }
    }

    /** Fills {@code buf} from {@code position}; callers have checked that the bytes exist. */
    private static void readFully(FileChannel ch, ByteBuffer buf, long position)
            throws IOException {
        long start = position - buf.position();
        while (buf.hasRemaining()) {
            if (ch.read(buf, start + buf.position()) < 0) {
                throw new EOFException("the file shrank while it was read");
            }
        }
    }

    /** Reverses each {@code size}-byte element in place, turning big-endian into little. */
    private static void swapBytes(MemorySegment seg, int size) {
        long n = seg.byteSize() / size;
        for (long i = 0; i < n; i++) {
            switch (size) {
                case 2 -> seg.setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, i,
                        Short.reverseBytes(seg.getAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, i)));
                case 4 -> seg.setAtIndex(ValueLayout.JAVA_INT_UNALIGNED, i,
                        Integer.reverseBytes(seg.getAtIndex(ValueLayout.JAVA_INT_UNALIGNED, i)));
                case 8 -> seg.setAtIndex(ValueLayout.JAVA_LONG_UNALIGNED, i,
                        Long.reverseBytes(seg.getAtIndex(ValueLayout.JAVA_LONG_UNALIGNED, i)));
                default -> throw new AssertionError("no byte order for size " + size);
            }
        }
    }

    /** Converts little-endian elements that are not the target's storage: f8, i1, u1, i2, u2. */
    /** numpy's name of a widened descr: "int8" for {@code |i1}. */
    private static String numpyName(String descr) {
        return switch (descr.substring(1)) {
            case "f8" -> "float64";
            case "i1" -> "int8";
            case "u1" -> "uint8";
            case "i2" -> "int16";
            case "u2" -> "uint16";
            default -> descr;
        };
    }

    private static Tensor widen(MemorySegment raw, Element e, long[] shape) {
        ByteOrder le = ByteOrder.LITTLE_ENDIAN;
        ValueLayout.OfDouble f8 = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(le);
        ValueLayout.OfShort i2 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(le);
        LongToDoubleFunction element = switch (e.descr.substring(1)) {
            case "f8" -> i -> raw.getAtIndex(f8, i);
            case "i1" -> i -> raw.get(ValueLayout.JAVA_BYTE, i);
            case "u1" -> i -> Byte.toUnsignedInt(raw.get(ValueLayout.JAVA_BYTE, i));
            case "i2" -> i -> raw.getAtIndex(i2, i);
            case "u2" -> i -> Short.toUnsignedInt(raw.getAtIndex(i2, i));
            default -> throw new AssertionError("no widening from " + e.descr);
        };
        Tensor t = Tensor.allocate(e.target, shape);
        for (long i = 0; i < t.elementCount(); i++) {
            t.setDouble(i, element.applyAsDouble(i));
        }
        return t;
    }

    /**
     * A parser for the Python literal numpy writes as the header: a dict of strings, booleans,
     * integers (Python 2 files may add an {@code L}), and tuples or lists of them. Tuples and
     * lists become {@link List}s, integers {@link Long}s.
     */
    private static final class HeaderParser {
        /** Far deeper than any dtype numpy writes; bounds the recursion on hostile input. */
        private static final int MAX_DEPTH = 32;
        private final Path path;
        private final String text;
        private int pos;
        private int depth;

        private HeaderParser(Path path, String text) {
            this.path = path;
            this.text = text;
        }

        /** The header's dict, which must have the keys numpy always writes. */
        static Map<String, Object> parseDict(Path path, String text) {
            HeaderParser p = new HeaderParser(path, text);
            if (!(p.value() instanceof Map<?, ?> m)) {
                throw p.error("the header is not a dict");
            }
            p.skipSpace();
            if (p.pos != text.length()) {
                throw p.error("unexpected text after the dict");
            }
            @SuppressWarnings("unchecked")
            Map<String, Object> dict = (Map<String, Object>) m;
            for (String key : List.of("descr", "fortran_order", "shape")) {
                if (!dict.containsKey(key)) {
                    throw p.error("the key '" + key + "' is missing");
                }
            }
            return dict;
        }

        private Object value() {
            skipSpace();
            if (pos >= text.length()) {
                throw error("it ends too early");
            }
            if (++depth > MAX_DEPTH) {
                throw error("it nests more than " + MAX_DEPTH + " deep");
            }
            char c = text.charAt(pos);
            Object v = switch (c) {
                case '{' -> dict();
                case '(' -> sequence(')');
                case '[' -> sequence(']');
                case '\'', '"' -> string();
                default -> c == '-' || Character.isDigit(c) ? integer() : name();
            };
            depth--;
            return v;
        }

        private Map<String, Object> dict() {
            Map<String, Object> m = new HashMap<>();
            pos++;
            while (!closes('}')) {
                if (!(value() instanceof String key)) {
                    throw error("a dict key is not a string");
                }
                expect(':');
                m.put(key, value());
                if (!next('}')) {
                    expect(',');
                }
            }
            return m;
        }

        private List<Object> sequence(char close) {
            List<Object> items = new ArrayList<>();
            pos++;
            while (!closes(close)) {
                items.add(value());
                if (!next(close)) {
                    expect(',');
                }
            }
            return items;
        }

        /** Consumes {@code close} if it is next. */
        private boolean closes(char close) {
            boolean found = next(close);
            if (found) {
                pos++;
            }
            return found;
        }

        /** Whether {@code close} is the next character after spaces; consumes nothing. */
        private boolean next(char close) {
            skipSpace();
            if (pos >= text.length()) {
                throw error("it ends before '" + close + "'");
            }
            return text.charAt(pos) == close;
        }

        private String string() {
            char quote = text.charAt(pos++);
            StringBuilder sb = new StringBuilder();
            while (pos < text.length() && text.charAt(pos) != quote) {
                if (text.charAt(pos) == '\\' && pos + 1 < text.length()) {
                    pos++;
                }
                sb.append(text.charAt(pos++));
            }
            if (pos >= text.length()) {
                throw error("a string is not closed");
            }
            pos++;
            return sb.toString();
        }

        private Long integer() {
            int start = pos;
            if (text.charAt(pos) == '-') {
                pos++;
            }
            while (pos < text.length() && Character.isDigit(text.charAt(pos))) {
                pos++;
            }
            String digits = text.substring(start, pos);
            if (pos < text.length() && (text.charAt(pos) == 'L' || text.charAt(pos) == 'l')) {
                pos++;
            }
            try {
                return Long.parseLong(digits);
            } catch (NumberFormatException ex) {
                throw error("'" + digits + "' is not a 64-bit integer");
            }
        }

        private Object name() {
            int start = pos;
            while (pos < text.length() && Character.isLetter(text.charAt(pos))) {
                pos++;
            }
            String word = start == pos ? text.substring(pos, pos + 1) : text.substring(start, pos);
            return switch (word) {
                case "True" -> Boolean.TRUE;
                case "False" -> Boolean.FALSE;
                default -> throw error("unexpected '" + word + "'");
            };
        }

        private void expect(char c) {
            skipSpace();
            if (pos >= text.length() || text.charAt(pos) != c) {
                throw error("expected '" + c + "'");
            }
            pos++;
        }

        private void skipSpace() {
            while (pos < text.length() && Character.isWhitespace(text.charAt(pos))) {
                pos++;
            }
        }

        private AttnInputException error(String what) {
            String shown = text.strip();
            if (shown.length() > 200) {
                shown = shown.substring(0, 200) + "...";
            }
            return new AttnInputException(path + ": unparsable .npy header dict (" + what
                    + " at character " + pos + "): " + shown);
        }
    }
}
