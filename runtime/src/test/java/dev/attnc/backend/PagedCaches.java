package dev.attnc.backend;

import dev.attnc.Tensor;
import java.util.ArrayList;
import java.util.List;

/** Paged K/V caches for tests: a shuffled page table and the pages that hold a contiguous cache's rows behind it. */
public final class PagedCaches {
    private PagedCaches() {}

    /**
     * [B, KV_LEN / pageSize]: the pages each sequence uses, a shuffled permutation of 0 .. (used - 1)
     * (plus two spare pages at the end that nobody uses), and -1 past a sequence's length (never read).
     */
    public static Tensor pageTable(int kvLen, int pageSize, long seed, int[] lengths) {
        int maxPages = (kvLen + pageSize - 1) / pageSize;
        int used = 0;
        for (int len : lengths) used += (len + pageSize - 1) / pageSize;
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < used; i++) order.add(i);
        java.util.Collections.shuffle(order, new java.util.Random(seed));
        int[] table = new int[lengths.length * maxPages];
        int next = 0;
        for (int b = 0; b < lengths.length; b++) {
            for (int i = 0; i < maxPages; i++) table[b * maxPages + i] = i * pageSize < lengths[b] ? order.get(next++) : -1;
        }
        return Tensor.ofInts(table, lengths.length, maxPages);
    }

    /** [num_pages, pageSize, H_KV, D] holding t's rows where {@code table} says (NaN in unused pages and rows). */
    public static Tensor pagesOf(Tensor t, Tensor table, int pageSize, int[] lengths) {
        int b = (int) t.dim(0), heads = (int) t.dim(1), d = (int) t.dim(3), maxPages = (int) table.dim(1);
        int count = 2;
        for (int len : lengths) count += (len + pageSize - 1) / pageSize;
        Tensor pages = Tensor.allocate(t.dtype(), count, pageSize, heads, d);
        for (long i = 0; i < pages.elementCount(); i++) pages.setFloat(i, Float.NaN);
        for (int seq = 0; seq < b; seq++) {
            for (int kv = 0; kv < lengths[seq]; kv++) {
                long page = table.getLong((long) seq * maxPages + kv / pageSize);
                for (int h = 0; h < heads; h++) {
                    for (int x = 0; x < d; x++) {
                        pages.setFloat(((page * pageSize + kv % pageSize) * heads + h) * d + x,
                                t.getFloat((((long) seq * heads + h) * t.dim(2) + kv) * d + x));
                    }
                }
            }
        }
        return pages;
    }
}
