package dev.attnc.compiler.codegen.c;

/**
 * How Q, K, V and O are stored in device memory. Whatever the storage, kernels compute scores and
 * accumulate in float; only loads and the final store convert.
 */
public enum Storage {
    F32("f32"), F16("f16"), BF16("bf16");

    public final String word;

    Storage(String word) {
        this.word = word;
    }

    /** The element type of a buffer in this storage. */
    public String elementType(Dialect d) {
        return switch (this) {
            case F32 -> "float";
            case F16 -> d.types().f16();
            case BF16 -> d.types().bf16();
        };
    }

    /** {@code ptr[index]} as a float. */
    public String load(Dialect d, String ptr, String index) {
        return switch (this) {
            case F32 -> ptr + "[" + index + "]";
            case F16 -> d.conversions().loadF16().formatted(ptr, index);
            case BF16 -> CHelpers.BF16_TO_FLOAT + "(" + ptr + "[" + index + "])";
        };
    }

    /** A statement storing the float {@code value} into {@code ptr[index]}, rounded to nearest even. */
    public String store(Dialect d, String ptr, String index, String value) {
        return switch (this) {
            case F32 -> ptr + "[" + index + "] = " + value + ";";
            case F16 -> d.conversions().storeF16().formatted(ptr, index, value) + ";";
            case BF16 -> ptr + "[" + index + "] = " + CHelpers.FLOAT_TO_BF16 + "(" + value + ");";
        };
    }
}
