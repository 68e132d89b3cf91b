package dev.attnc.backend.cuda;

import dev.attnc.AttnInputException;
import dev.attnc.kernel.BlockPlan;
import java.util.Arrays;
import java.util.Comparator;

/**
 * The order in which the Hopper kernel's blocks take (query tile, b·H + h) work items. Entries are
 * {@code qTile · B·H + b·H + h}.
 * <p>
 * Two aims pull apart here. Longest-processing-time first: items with the most kept key tiles (the
 * last query tiles under a causal mask, the global rows of a Longformer mask) start early and the
 * short ones fill the gaps at the end. Cache reuse: every query tile of a head reads the same K and
 * V, so those reads should hit L2, which they do only while the heads being worked on fit in it.
 * Ordering by work alone runs one query tile of every head at once: at B=2, H=16, S=8192, D=128
 * the blocks then stream 32 heads' K and V (128 MiB, more than the 50 MiB L2). So items are cut
 * into L2 sections, as FlashAttention-3's scheduler does: consecutive K/V heads whose K and V
 * together fit in {@code l2Budget} bytes form a section (query heads sharing a K/V head stay
 * together; sections of equal size), sections run one after the other, and within a section items
 * go longest first; among equal work, head by head and later query tiles first, so the blocks that
 * run side by side read the same K/V tiles. Measured on the H100 (docs/benchmarks.md): +4 to +7 %
 * at that shape on full, causal, ALiBi, document and prefix-LM.
 * <p>
 * The persistent kernel's blocks take items in this order from a shared counter, so a block that
 * finishes early takes the next item (list scheduling); without it the hardware dispatches one
 * block per item in the same order.
 */
record TileOrder(int[] codes) {
    /**
     * @param kvHeads H_KV; {@code heads} must be a multiple of it
     * @param kvHeadBytes bytes of K and V of one K/V head (KV_LEN · D · 2 · element size)
     * @param l2Budget bytes of L2 the K and V of one section may take
     */
    static TileOrder of(BlockPlan plan, int batch, int heads, int kvHeads, long kvHeadBytes, long l2Budget) {
        long bh = (long) batch * heads;
        long n = (long) plan.qTiles * bh;
        if (n > Integer.MAX_VALUE) {
            throw new AttnInputException("the CUDA backend takes query tiles · B · H up to " + Integer.MAX_VALUE + ", not " + n);
        }
        // as few sections as the budget allows, of equal size: a small last section would leave its
        // longest items to run alone at the end
        long kvTotal = (long) batch * kvHeads;
        long sections = Math.max(1, Math.min(kvTotal, (long) Math.ceil((double) kvTotal * kvHeadBytes / Math.max(1, l2Budget))));
        int group = heads / kvHeads; // query heads per K/V head
        // item i is code i = q · B·H + b·H + h: its head is i % B·H, its query tile i / B·H
        int[] section = new int[(int) n];
        long[] work = new long[(int) n];
        Integer[] items = new Integer[(int) n];
        int i = 0;
        for (int q = 0; q < plan.qTiles; q++) {
            for (int b = 0; b < batch; b++) {
                for (int h = 0; h < heads; h++, i++) {
                    int row = plan.slot(b, h) * plan.qTiles + q;
                    for (int r = plan.runOffsets[row]; r < plan.runOffsets[row + 1]; r++) work[i] += plan.runEnd[r] - plan.runStart[r];
                    section[i] = (int) (((long) b * kvHeads + h / group) * sections / kvTotal);
                    items[i] = i;
                }
            }
        }
        Arrays.sort(items, Comparator.comparingInt((Integer k) -> section[k])
                .thenComparing(Comparator.comparingLong((Integer k) -> work[k]).reversed())
                .thenComparingLong(k -> k % bh)
                .thenComparing(Comparator.comparingLong((Integer k) -> k / bh).reversed()));
        int[] order = new int[items.length];
        for (int k = 0; k < order.length; k++) order[k] = items[k];
        return new TileOrder(order);
    }
}
