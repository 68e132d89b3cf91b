package dev.attnc.kernel;

import java.util.Arrays;

/**
 * Split-KV on a block plan: the same plan with each query tile's kept key tiles dealt into
 * {@code splits} contiguous shares, one plan row per (query tile, split), at row
 * {@code slot · qTiles · splits + qTile · splits + split}. A kernel that walks plan rows walks a
 * split's share as it walks a query tile's: EMPTY tiles stay skipped, each run keeps its kind (mask
 * code only on PARTIAL tiles). Shares are balanced by kept tiles, not by key positions, so a
 * sliding window's splits do equal work. A share may be empty (more splits than kept tiles):
 * its task computes an empty partial (O = 0, LSE = -inf).
 */
public final class KeySplits {
    private KeySplits() {}

    /** The plan split {@code splits} ways; {@code plan} itself for 1. Its {@code qTiles} counts (query tile, split) rows. */
    public static BlockPlan of(BlockPlan plan, int splits) {
        if (splits < 1) throw new IllegalArgumentException("splits " + splits);
        if (splits == 1) return plan;
        int rows = plan.slots() * plan.qTiles;
        int[] offsets = new int[rows * splits + 1];
        // a share cuts at most one run in two: runs + splits bounds the output
        int cap = plan.runStart.length + rows * splits;
        int[] start = new int[cap], end = new int[cap];
        boolean[] partial = new boolean[cap];
        int n = 0;
        for (int row = 0; row < rows; row++) {
            int kept = keptTiles(plan, row);
            for (int s = 0; s < splits; s++) {
                // kept tiles [from, to) of the row, counted over its runs
                long from = (long) kept * s / splits, to = (long) kept * (s + 1) / splits;
                long seen = 0;
                for (int r = plan.runOffsets[row]; r < plan.runOffsets[row + 1] && seen < to; r++) {
                    int len = plan.runEnd[r] - plan.runStart[r];
                    long lo = Math.max(from, seen), hi = Math.min(to, seen + len);
                    if (lo < hi) {
                        start[n] = plan.runStart[r] + (int) (lo - seen);
                        end[n] = plan.runStart[r] + (int) (hi - seen);
                        partial[n] = plan.runPartial[r];
                        n++;
                    }
                    seen += len;
                }
                offsets[row * splits + s + 1] = n;
            }
        }
        return new BlockPlan(plan.blockM, plan.blockN, plan.qTiles * splits, plan.kvTiles, plan.perBatch, plan.perHead, plan.heads,
                plan.method + ", keys split " + splits + " ways", offsets, Arrays.copyOf(start, n),
                Arrays.copyOf(end, n), Arrays.copyOf(partial, n));
    }

    /** The most non-EMPTY key tiles of any one query tile: what the split count is bounded by. */
    public static int maxKeptTiles(BlockPlan plan) {
        int most = 0;
        for (int row = 0; row < plan.slots() * plan.qTiles; row++) most = Math.max(most, keptTiles(plan, row));
        return most;
    }

    private static int keptTiles(BlockPlan plan, int row) {
        int kept = 0;
        for (int r = plan.runOffsets[row]; r < plan.runOffsets[row + 1]; r++) kept += plan.runEnd[r] - plan.runStart[r];
        return kept;
    }

    /**
     * Merges one query row's partials into its O and LSE: {@code splits} partial rows of {@code d}
     * values at {@code partialO[pOff + s·pStride]}, their LSEs at {@code partialLse[lOff + s·lStride]}. Softmax
     * partials are normalized over their own keys, so O = Σ e^(LSE_s - LSE) O_s with LSE =
     * log Σ e^(LSE_s); sigmoid's are plain sums (no max, no division), so O = Σ O_s and
     * LSE = log Σ e^(LSE_s) alike. An empty partial (LSE = -inf) weighs 0; a row whose every
     * partial is empty gets O = 0 and LSE = -inf, as an unsplit row that kept nothing. A NaN LSE
     * makes the row NaN and a +inf one (a +inf score) O = NaN and LSE = +inf, as unsplit.
     */
    public static void combineRow(float[] partialO, int pOff, int pStride, float[] partialLse, int lOff, int lStride, int splits, int d,
            boolean sigmoid,
            float[] o, int oOff, float[] lse, int lseAt) {
        float max = Float.NEGATIVE_INFINITY;
        for (int s = 0; s < splits; s++) {
            float l = partialLse[lOff + s * lStride];
            if (Float.isNaN(l) || l > max) max = l;
            if (Float.isNaN(l)) break;
        }
        if (max == Float.NEGATIVE_INFINITY || Float.isNaN(max) || max == Float.POSITIVE_INFINITY) {
            Arrays.fill(o, oOff, oOff + d, max == Float.NEGATIVE_INFINITY ? 0f : Float.NaN);
            lse[lseAt] = max;
            return;
        }
        Arrays.fill(o, oOff, oOff + d, 0f);
        double total = 0;
        for (int s = 0; s < splits; s++) {
            float w = (float) Math.exp(partialLse[lOff + s * lStride] - max);
            total += w;
            // sigmoid's partials add as they are; softmax's weigh by their share of the sum
            float weight = sigmoid ? 1f : w;
            if (partialLse[lOff + s * lStride] == Float.NEGATIVE_INFINITY) continue; // an empty partial: O = 0
            int src = pOff + s * pStride;
            for (int x = 0; x < d; x++) o[oOff + x] += weight * partialO[src + x];
        }
        if (!sigmoid) {
            float inv = (float) (1 / total);
            for (int x = 0; x < d; x++) o[oOff + x] *= inv;
        }
        lse[lseAt] = max + (float) Math.log(total);
    }
}
