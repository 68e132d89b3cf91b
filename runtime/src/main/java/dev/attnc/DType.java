package dev.attnc;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/** The element types a {@link Tensor} can hold. */
public enum DType {
    F32(4, "float32", "f32", "float32"),
    F16(2, "float16", "f16", "float16", "half"),
    BF16(2, "bfloat16", "bf16", "bfloat16"),
    I32(4, "int32", "i32", "int32"),
    I64(8, "int64", "i64", "int64"),
    /** One byte per element, 0 or 1, as numpy stores {@code bool}. */
    BOOL(1, "bool", "bool");

    private final int byteSize;
    private final String displayName;
    /** Every spelling {@link #parse} accepts, in the order error messages list them. */
    private final List<String> names;

    DType(int byteSize, String displayName, String... names) {
        this.byteSize = byteSize;
        this.displayName = displayName;
        this.names = List.of(names);
    }

    /** Bytes per element. */
    public int byteSize() {
        return byteSize;
    }

    public boolean isFloat() {
        return this == F32 || this == F16 || this == BF16;
    }

    public boolean isInteger() {
        return this == I32 || this == I64;
    }

    public boolean isBool() {
        return this == BOOL;
    }

    /** The numpy-style name: "float32", "bfloat16", "bool", ... */
    public String displayName() {
        return displayName;
    }

    @Override
    public String toString() {
        return displayName;
    }

    /**
     * Parses a dtype as a user writes it on the command line or in a spec, ignoring case.
     *
     * @throws AttnInputException naming the accepted spellings when {@code s} is none of them
     */
    public static DType parse(String s) {
        String key = s == null ? "" : s.trim().toLowerCase(Locale.ROOT);
        for (DType t : values()) {
            if (t.names.contains(key)) {
                return t;
            }
        }
        String accepted = Arrays.stream(values())
                .map(t -> String.join("/", t.names))
                .collect(Collectors.joining(", "));
        throw new AttnInputException("unknown dtype '" + s + "'; accepted: " + accepted);
    }
}
