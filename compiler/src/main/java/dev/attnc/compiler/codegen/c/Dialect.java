package dev.attnc.compiler.codegen.c;

import java.util.Map;

/**
 * What differs between the C-family targets in the code attnc prints into a kernel, as data: the
 * C printer, the helpers, the storage conversions and the parameter declarations read it instead
 * of asking which target they print for (tinygrad's renderer tables). The kernel skeletons are one
 * template per target and spell their own thread indices, barriers and qualifiers, so those are
 * not here. Text with {@code %s} holes is a {@link String#format} pattern.
 *
 * @param qualifiers storage and function qualifiers
 * @param types scalar and storage type names
 * @param math float math function names, precise and fast
 * @param conversions bit casts and the 16-bit storage formats
 * @param infinity an expression for +inf of type float
 * @param floatSuffix the suffix that makes a literal single precision; every float literal has it
 */
public record Dialect(Qualifiers qualifiers, Types types, MathNames math, Conversions conversions, String infinity,
        String floatSuffix) {

    /**
     * @param helper what precedes a helper function (inlined, file-local)
     * @param global a pointer into device memory
     * @param restrict the C99 {@code restrict} of a pointer that nothing else aliases
     * @param byValueStruct a kernel parameter struct passed by value and read in place (CUDA's
     *     {@code __grid_constant__} TMA descriptors); empty where the target has none
     */
    public record Qualifiers(String helper, String global, String restrict, String byValueStruct) {}

    /**
     * @param uint32 32-bit unsigned: int arithmetic that may wrap is done in it (signed overflow is
     *     undefined in C, but the language's ints wrap)
     * @param uint8 one byte: bool tensors and the block plan's PARTIAL flags
     * @param f16 the element type of a float16 buffer (read only through {@link Conversions#loadF16})
     * @param bf16 the element type of a bfloat16 buffer: its 16 raw bits
     */
    public record Types(String uint32, String uint8, String f16, String bf16) {}

    /**
     * Float function names by their C99 name without suffix ("exp", "fmin", ...); {@code fast}
     * overrides some with the target's faster, less precise versions.
     *
     * @param intAbs |x| of an int, as the language means it (|INT_MIN| == INT_MIN)
     * @param intMin name of the int minimum
     * @param intMax name of the int maximum
     * @param clamp an int clamped into [lo, hi] (lo ≤ hi): three holes x, lo, hi
     */
    public record MathNames(Map<String, String> precise, Map<String, String> fast, String intAbs, String intMin,
            String intMax, String clamp) {
        public MathNames {
            precise = Map.copyOf(precise);
            fast = Map.copyOf(fast);
        }

        public String function(String c99, boolean fastMath) {
            String f = fastMath ? fast.get(c99) : null;
            if (f == null) f = precise.get(c99);
            if (f == null) throw new IllegalArgumentException("no " + c99 + " in dialect");
            return f;
        }
    }

    /**
     * @param uintToInt a uint32 reinterpreted as int, two's complement (the wrap of the language's ints)
     * @param bitsToFloat a uint32 reinterpreted as float
     * @param floatToBits a float reinterpreted as uint32
     * @param loadF16 holes (pointer, index): the float16 element as float
     * @param storeF16 holes (pointer, index, value): store a float rounded to nearest even
     */
    public record Conversions(String uintToInt, String bitsToFloat, String floatToBits, String loadF16, String storeF16) {}

    public static final Dialect OPENCL = new Dialect(
            new Qualifiers("static inline", "__global", "restrict", ""),
            new Types("uint", "uchar", "half", "ushort"),
            new MathNames(
                    Map.ofEntries(Map.entry("exp", "exp"), Map.entry("exp2", "exp2"), Map.entry("log", "log"),
                            Map.entry("log2", "log2"), Map.entry("sqrt", "sqrt"), Map.entry("rsqrt", "rsqrt"),
                            Map.entry("tanh", "tanh"), Map.entry("fabs", "fabs"), Map.entry("floor", "floor"),
                            Map.entry("ceil", "ceil"), Map.entry("fmin", "fmin"), Map.entry("fmax", "fmax")),
                    Map.of("exp", "native_exp", "exp2", "native_exp2", "log", "native_log", "log2", "native_log2",
                            "sqrt", "native_sqrt", "rsqrt", "native_rsqrt"),
                    // abs(int) is uint in OpenCL C: 2^31 for INT_MIN, which as_int turns back into INT_MIN
                    "as_int(abs(%s))", "min", "max", "clamp(%s, %s, %s)"),
            new Conversions("as_int(%s)", "as_float(%s)", "as_uint(%s)",
                    // vload_half/vstore_half work without cl_khr_fp16: no half arithmetic is needed
                    "vload_half(%2$s, %1$s)", "vstore_half_rte(%3$s, %2$s, %1$s)"),
            "INFINITY", "f");

    public static final Dialect CUDA = new Dialect(
            new Qualifiers("static __device__ __forceinline__", "", "__restrict__", "__grid_constant__"),
            new Types("unsigned int", "unsigned char", "__half", "unsigned short"),
            new MathNames(
                    Map.ofEntries(Map.entry("exp", "expf"), Map.entry("exp2", "exp2f"), Map.entry("log", "logf"),
                            Map.entry("log2", "log2f"), Map.entry("sqrt", "sqrtf"), Map.entry("rsqrt", "rsqrtf"),
                            Map.entry("tanh", "tanhf"), Map.entry("fabs", "fabsf"), Map.entry("floor", "floorf"),
                            Map.entry("ceil", "ceilf"), Map.entry("fmin", "fminf"), Map.entry("fmax", "fmaxf")),
                    Map.of("exp", "__expf", "log", "__logf", "log2", "__log2f"),
                    // abs.s32 returns INT_MIN for INT_MIN (PTX ISA), as the language wants
                    "abs(%s)", "min", "max", "min(max(%s, %s), %s)"),
            new Conversions("(int)(%s)", "__uint_as_float(%s)", "__float_as_uint(%s)",
                    "__half2float(%1$s[%2$s])", "%1$s[%2$s] = __float2half_rn(%3$s)"),
            "__int_as_float(0x7f800000)", "f");
}
