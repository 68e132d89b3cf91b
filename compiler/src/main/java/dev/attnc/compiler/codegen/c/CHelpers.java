package dev.attnc.compiler.codegen.c;

/**
 * The small functions that give C the language's meaning where C's own operators differ
 * ({@code ir.Semantics} is the meaning): floor division and modulo with division by zero giving 0
 * and INT_MIN / -1 wrapping instead of trapping; float → int truncating with saturation and NaN → 0
 * (Java's cast); float min/max propagating NaN; bfloat16 conversions rounding to nearest even as {@code dev.attnc.Tensor} does.
 * Emitted once at the top of every C-family kernel; unused ones cost nothing.
 */
public final class CHelpers {
    public static final String FLOOR_DIV = "attn_floordiv", FLOOR_MOD = "attn_floormod";
    /** For a divisor proven ≥ 1: no zero or -1 case. */
    public static final String FLOOR_DIV_POS = "attn_floordiv_pos", FLOOR_MOD_POS = "attn_floormod_pos";
    public static final String TRUNC_DIV = "attn_truncdiv", TRUNC_MOD = "attn_truncmod";
    public static final String FLOAT_MOD = "attn_fmod", TO_INT = "attn_f2i";
    public static final String FLOAT_MIN = "attn_fmin", FLOAT_MAX = "attn_fmax";
    public static final String BF16_TO_FLOAT = "attn_bf16_to_float", FLOAT_TO_BF16 = "attn_float_to_bf16";

    private CHelpers() {}

    private static final String TEXT = """
            // Integer / and % of the language: floor division (Python's); dividing by 0 gives 0; INT_MIN / -1 wraps.
            {fn} int attn_floordiv(int x, int y) {
                if (y == 0) return 0;
                if (y == -1) return {wrap(0u - ({uint})x)};
                int t = x / y;
                return (t * y != x && (x ^ y) < 0) ? t - 1 : t;
            }
            {fn} int attn_floormod(int x, int y) {
                if (y == 0 || y == -1) return 0;
                int r = x % y;
                return (r != 0 && (r ^ y) < 0) ? r + y : r;
            }
            // The same for a divisor proven >= 1.
            {fn} int attn_floordiv_pos(int x, int y) {
                int t = x / y;
                return (t * y != x && x < 0) ? t - 1 : t;
            }
            {fn} int attn_floormod_pos(int x, int y) {
                int r = x % y;
                return r < 0 ? r + y : r;
            }
            // C's truncating / and %, total: by 0 gives 0, INT_MIN / -1 wraps.
            {fn} int attn_truncdiv(int x, int y) {
                return y == 0 ? 0 : y == -1 ? {wrap(0u - ({uint})x)} : x / y;
            }
            {fn} int attn_truncmod(int x, int y) {
                return (y == 0 || y == -1) ? 0 : x % y;
            }
            // Float % of the language: x - floor(x / y) * y.
            {fn} float attn_fmod(float x, float y) {
                return x - {floor}(x / y) * y;
            }
            // Float min and max as Java's Math.min/max: NaN if either is NaN, and -0.0 < 0.0 (C's fmin/fmax drop NaNs).
            {fn} float attn_fmin(float x, float y) {
                return (x != x || y != y) ? x + y : x == y ? {bitsToFloat({floatToBits(x)} | {floatToBits(y)})} : {fmin}(x, y);
            }
            {fn} float attn_fmax(float x, float y) {
                return (x != x || y != y) ? x + y : x == y ? {bitsToFloat({floatToBits(x)} & {floatToBits(y)})} : {fmax}(x, y);
            }
            // float -> int toward zero, saturating at the int range, NaN -> 0.
            {fn} int attn_f2i(float x) {
                return x != x ? 0 : x >= 2147483648.0f ? 2147483647 : x <= -2147483648.0f ? (-2147483647 - 1) : (int)x;
            }
            // bfloat16 is the top half of a float; stores round to nearest even, NaN stays NaN.
            {fn} float attn_bf16_to_float({bf16} bits) {
                return {bitsToFloat(({uint})bits << 16)};
            }
            {fn} {bf16} attn_float_to_bf16(float f) {
                {uint} u = {floatToBits(f)};
                if (f != f) return ({bf16})((u >> 16) | 0x40u);
                return ({bf16})((u + 0x7fffu + ((u >> 16) & 1u)) >> 16);
            }
            """;

    private static String bitOp(Dialect d, String op) {
        var c = d.conversions();
        return c.bitsToFloat().formatted(c.floatToBits().formatted("x") + " " + op + " " + c.floatToBits().formatted("y"));
    }

    public static String text(Dialect d) {
        return TEXT.replace("{fn}", d.qualifiers().helper())
                .replace("{wrap(0u - ({uint})x)}", d.conversions().uintToInt().formatted("0u - (" + d.types().uint32() + ")x"))
                .replace("{bitsToFloat(({uint})bits << 16)}", d.conversions().bitsToFloat().formatted("(" + d.types().uint32() + ")bits << 16"))
                .replace("{floatToBits(f)}", d.conversions().floatToBits().formatted("f"))
                .replace("{bitsToFloat({floatToBits(x)} | {floatToBits(y)})}", bitOp(d, "|"))
                .replace("{bitsToFloat({floatToBits(x)} & {floatToBits(y)})}", bitOp(d, "&"))
                .replace("{fmin}", d.math().function("fmin", false))
                .replace("{fmax}", d.math().function("fmax", false))
                .replace("{floor}", d.math().function("floor", false))
                .replace("{uint}", d.types().uint32())
                .replace("{bf16}", d.types().bf16());
    }
}
