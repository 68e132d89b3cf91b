package dev.attnc.compiler.codegen.java.kernel;

/**
 * Lays K and V out once per call as {@link Gemm} reads them, one contiguous block per key tile:
 * Kᵀ tiles [D][nPad] (so S = Q·Kᵀ broadcasts Q and loads K a vector at a time) and V tiles
 * [blockN][dPad]. Padding is zero, so products over the padded width are exact; a contiguous tile
 * also avoids the cache-set conflicts of striding over a whole power-of-two sequence length.
 */
public final class Packing {
    private Packing() {}

    /** Where key tile {@code tile} of key/value head {@code kvHead} (= b·H_KV + hk) starts in a packed buffer of tiles of {@code tileSize} floats. */
    public static int tileOffset(int kvHead, int kvTiles, int tile, int tileSize) {
        return (kvHead * kvTiles + tile) * tileSize;
    }

    /**
     * One key tile of K [heads][kvLen][d], transposed: {@code out[d][j] = K[kvHead][tile·blockN + j][d]},
     * zero past the last key.
     */
    public static void keysTransposed(float[] k, int kvLen, int d, int blockN, int nPad, int kvTiles,
            int kvHead, int tile, float[] out) {
        int base = tileOffset(kvHead, kvTiles, tile, d * nPad);
        int first = tile * blockN;
        int count = Math.min(blockN, kvLen - first);
        for (int j = 0; j < count; j++) {
            int src = (kvHead * kvLen + first + j) * d;
            for (int x = 0, dst = base + j; x < d; x++, dst += nPad) out[dst] = k[src + x];
        }
    }

    /** One key tile of V [heads][kvLen][d], rows padded to {@code dPad}: {@code out[j][x] = V[kvHead][tile·blockN + j][x]}. */
    public static void values(float[] v, int kvLen, int d, int blockN, int dPad, int kvTiles,
            int kvHead, int tile, float[] out) {
        int base = tileOffset(kvHead, kvTiles, tile, blockN * dPad);
        int first = tile * blockN;
        int count = Math.min(blockN, kvLen - first);
        for (int j = 0; j < count; j++) {
            System.arraycopy(v, (kvHead * kvLen + first + j) * d, out, base + j * dPad, d);
        }
    }
}
