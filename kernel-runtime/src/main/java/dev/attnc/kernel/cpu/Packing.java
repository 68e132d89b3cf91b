package dev.attnc.kernel.cpu;

import static dev.attnc.kernel.cpu.Gemm.PANEL;

/**
 * Lays K and V out once per call as {@link Gemm} reads its B operand, one contiguous block per key
 * tile: Kᵀ tiles ([D][nPad] for S = Q·Kᵀ) and V tiles ([blockN][dPad] for O += P·V), each in
 * panels of {@link Gemm#PANEL} columns. Padding is zero, so products over the padded width are
 * exact; a contiguous tile also avoids the cache-set conflicts of striding over a whole
 * power-of-two sequence length.
 */
public final class Packing {
    private Packing() {}

    /** Floats between panels of a B with {@code rows} rows. */
    public static int panelStride(int rows) {
        return rows * PANEL;
    }

    /** Floats of one packed B of {@code rows} × {@code cols} (cols a whole number of vectors). */
    public static int tileSize(int rows, int cols) {
        return (cols + PANEL - 1) / PANEL * panelStride(rows);
    }

    /** Where key tile {@code tile} of key/value head {@code kvHead} (= b·H_KV + hk) starts in a buffer of tiles of {@code size} floats. */
    public static int tileOffset(int kvHead, int kvTiles, int tile, int size) {
        return (kvHead * kvTiles + tile) * size;
    }

    /**
     * One key tile of one head's K, transposed: {@code Kᵀ[x][j] = K[tile·blockN + j][x]} for j < nPad,
     * zero past the last key; the head's key r starts at {@code k[first + r·rowStride]} ({@link RowLayout}).
     * {@code kvHead} (= b·H_KV + hk) places the tile in {@code out}.
     */
    public static void keysTransposed(float[] k, int head0, int rowStride, int kvLen, int d, int blockN, int nPad, int kvTiles,
            int kvHead, int tile, float[] out) {
        keysTransposed(RowSource.of(k), new RowLayout(head0, 0, 0, rowStride), 0, 0, kvLen, d, blockN, nPad, kvTiles, kvHead, tile, out);
    }

    /** {@link #keysTransposed(float[], int, int, int, int, int, int, int, int, int, float[])} with head (b, h)'s rows where {@code layout} puts them (paged or not) in {@code k}. */
    public static void keysTransposed(RowSource k, RowLayout layout, int b, int h, int kvLen, int d, int blockN, int nPad, int kvTiles,
            int kvHead, int tile, float[] out) {
        int base = tileOffset(kvHead, kvTiles, tile, tileSize(d, nPad));
        int first = tile * blockN;
        int count = Math.min(blockN, kvLen - first);
        float[] row = new float[d];
        for (int j = 0; j < count; j++) {
            int panel = j - j % PANEL;
            int width = Math.min(PANEL, nPad - panel);
            int dst = base + Gemm.panelRow(0, panel, nPad, panelStride(d)) + j - panel;
            k.copy(layout.start(b, h, first + j), row, 0, d);
            for (int x = 0; x < d; x++, dst += width) out[dst] = row[x];
        }
    }

    /**
     * One key tile of one head's V, rows padded to {@code dPad}: {@code V'[j][x] = V[tile·blockN + j][x]}, the
     * head's row r starting at {@code v[head0 + r·rowStride]}; {@code kvHead} places the tile in {@code out}.
     */
    public static void values(float[] v, int head0, int rowStride, int kvLen, int d, int blockN, int dPad, int kvTiles,
            int kvHead, int tile, float[] out) {
        values(RowSource.of(v), new RowLayout(head0, 0, 0, rowStride), 0, 0, kvLen, d, blockN, dPad, kvTiles, kvHead, tile, out);
    }

    /** {@link #values(float[], int, int, int, int, int, int, int, int, int, float[])} with head (b, h)'s rows where {@code layout} puts them (paged or not) in {@code v}. */
    public static void values(RowSource v, RowLayout layout, int b, int h, int kvLen, int d, int blockN, int dPad, int kvTiles,
            int kvHead, int tile, float[] out) {
        int base = tileOffset(kvHead, kvTiles, tile, tileSize(blockN, dPad));
        int first = tile * blockN;
        int count = Math.min(blockN, kvLen - first);
        for (int j = 0; j < count; j++) {
            int src = layout.start(b, h, first + j);
            for (int panel = 0; panel < d; panel += PANEL) {
                int dst = base + Gemm.panelRow(j, panel, dPad, panelStride(blockN));
                v.copy(src + panel, out, dst, Math.min(PANEL, d - panel));
            }
        }
    }
}
