package dev.attnc.kernel;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Which key tiles each query tile visits, and whether each needs mask code: for every slot (one per
 * (b, h) the mask depends on) and query tile, a short list of runs of key tiles [start, end), each
 * FULL or PARTIAL; the tiles between runs are EMPTY. Banded masks have one to three runs a query
 * tile, so the plan is O(query tiles), never O(tiles), to store and to walk.
 * <p>
 * Soundness, the law of this class's producers: a tile called EMPTY keeps no pair, a tile called
 * FULL drops no pair. Only pairs inside the problem (q &lt; Q_LEN, kv &lt; KV_LEN) count; kernels
 * guard the ragged edges themselves.
 */
public final class BlockPlan {
    public final int blockM;
    public final int blockN;
    public final int qTiles;
    public final int kvTiles;
    /** Whether the plan differs per batch element and per head (the mask reads b or h). */
    public final boolean perBatch;
    public final boolean perHead;
    public final int heads;
    /** How the plan was found: affine, interval, tensor-summary, brute-force, dense. */
    public final String method;
    /** Runs of (slot · qTiles + qTile) are runOffsets[i] .. runOffsets[i+1]-1 (CSR). */
    public final int[] runOffsets;
    public final int[] runStart;
    public final int[] runEnd;
    public final boolean[] runPartial;

    public BlockPlan(int blockM, int blockN, int qTiles, int kvTiles, boolean perBatch, boolean perHead, int heads,
            String method, int[] runOffsets, int[] runStart, int[] runEnd, boolean[] runPartial) {
        this.blockM = blockM;
        this.blockN = blockN;
        this.qTiles = qTiles;
        this.kvTiles = kvTiles;
        this.perBatch = perBatch;
        this.perHead = perHead;
        this.heads = heads;
        this.method = method;
        this.runOffsets = runOffsets;
        this.runStart = runStart;
        this.runEnd = runEnd;
        this.runPartial = runPartial;
        if (runOffsets.length != slots() * qTiles + 1) throw new IllegalArgumentException("run offsets do not match the tiles");
    }

    public static int tiles(int length, int block) {
        return (length + block - 1) / block;
    }

    public int slots(int batch) {
        return (perBatch ? batch : 1) * (perHead ? heads : 1);
    }

    /** Slots for a batch of one (the plan's own count: perBatch plans are built for a given B). */
    public int slots() {
        return (runOffsets.length - 1) / Math.max(1, qTiles);
    }

    public int slot(int b, int h) {
        return b * batchStride() + h * headStride();
    }

    /** How far apart the slots of consecutive batch elements are (0: the plan does not vary with b); kernels take it as plan_b_stride. */
    public int batchStride() {
        return perBatch ? (perHead ? heads : 1) : 0;
    }

    /** How far apart the slots of consecutive heads are (0: the plan does not vary with h); kernels take it as plan_h_stride. */
    public int headStride() {
        return perHead ? 1 : 0;
    }

    /** The kind of one tile (a scan of its row's runs; for display and tests, not for kernels). */
    public TileKind kind(int slot, int qTile, int kvTile) {
        int row = slot * qTiles + qTile;
        for (int r = runOffsets[row]; r < runOffsets[row + 1]; r++) {
            if (kvTile >= runStart[r] && kvTile < runEnd[r]) return runPartial[r] ? TileKind.PARTIAL : TileKind.FULL;
        }
        return TileKind.EMPTY;
    }

    /** One string per query tile, one letter per key tile (. F P), for {@code attnc mask}. */
    public List<String> grid(int slot) {
        List<String> rows = new ArrayList<>();
        for (int qt = 0; qt < qTiles; qt++) {
            char[] line = new char[kvTiles];
            Arrays.fill(line, TileKind.EMPTY.letter);
            int row = slot * qTiles + qt;
            for (int r = runOffsets[row]; r < runOffsets[row + 1]; r++) {
                Arrays.fill(line, runStart[r], runEnd[r], runPartial[r] ? TileKind.PARTIAL.letter : TileKind.FULL.letter);
            }
            rows.add(new String(line));
        }
        return rows;
    }

    /** The fraction of (query tile, key tile) pairs that are not EMPTY; 1 for a plan without tiles. */
    public double keptFraction() {
        long[] c = counts();
        long total = c[0] + c[1] + c[2];
        return total == 0 ? 1.0 : (double) (c[1] + c[2]) / total;
    }

    /** Tiles of each kind over all slots: [empty, full, partial]. */
    public long[] counts() {
        long full = 0;
        long partial = 0;
        for (int r = 0; r < runStart.length; r++) {
            long n = runEnd[r] - runStart[r];
            if (runPartial[r]) partial += n;
            else full += n;
        }
        long total = (long) slots() * qTiles * kvTiles;
        return new long[] {total - full - partial, full, partial};
    }

    /** Tiles of each kind in one slot: [empty, full, partial]. */
    public long[] counts(int slot) {
        long full = 0;
        long partial = 0;
        for (int r = runOffsets[slot * qTiles]; r < runOffsets[(slot + 1) * qTiles]; r++) {
            long n = runEnd[r] - runStart[r];
            if (runPartial[r]) partial += n;
            else full += n;
        }
        return new long[] {(long) qTiles * kvTiles - full - partial, full, partial};
    }

    /** The memory of the plan's arrays, which is what a kernel reads: O(query tiles + runs), never O(tiles). */
    public long bytes() {
        return 4L * (runOffsets.length + runStart.length + runEnd.length) + runPartial.length;
    }

    /**
     * Checks this plan against a kernel's tiles (BLOCK_M × BLOCK_N) and a call's sizes before a kernel walks it: a
     * kernel reads whatever offsets it is given, and a wrong one reads outside its buffers. A plan
     * that does not fit is a bug of whoever made it: IllegalArgumentException.
     */
    public void checkFits(int kernelBlockM, int kernelBlockN, Sizes s) {
        require(blockM == kernelBlockM && blockN == kernelBlockN,
                "the block plan has tiles " + blockM + "x" + blockN + " but the kernel " + kernelBlockM + "x" + kernelBlockN);
        require(qTiles == tiles(s.Q_LEN(), blockM) && kvTiles == tiles(s.KV_LEN(), blockN),
                "the block plan has " + qTiles + "x" + kvTiles + " tiles but Q_LEN " + s.Q_LEN() + ", KV_LEN " + s.KV_LEN() + " need "
                        + tiles(s.Q_LEN(), blockM) + "x" + tiles(s.KV_LEN(), blockN));
        require(!perHead || heads == s.H(), "the block plan is per head for " + heads + " heads but H is " + s.H());
        require(slots() >= slots(s.B()), "the block plan has " + slots() + " slots but B " + s.B() + ", H " + s.H() + " need " + slots(s.B()));
        int[] off = runOffsets;
        require(off[0] == 0 && off[off.length - 1] == runStart.length
                && runEnd.length == runStart.length && runPartial.length == runStart.length, "the block plan's arrays do not agree");
        for (int i = 1; i < off.length; i++) require(off[i] >= off[i - 1], "the block plan's run offsets decrease at " + i);
        for (int r = 0; r < runStart.length; r++) {
            require(0 <= runStart[r] && runStart[r] < runEnd[r] && runEnd[r] <= kvTiles,
                    "run " + r + " of the block plan, [" + runStart[r] + ", " + runEnd[r] + "), is not within " + kvTiles + " key tiles");
        }
    }

    private static void require(boolean ok, String message) {
        if (!ok) throw new IllegalArgumentException(message);
    }

    /** Builds plans run by run, in slot-major, query-tile order. */
    public static final class Builder {
        private final int blockM, blockN, qTiles, kvTiles, heads;
        private final boolean perBatch, perHead;
        private final String method;
        private final List<Integer> offsets = new ArrayList<>(List.of(0));
        private int[] start = new int[16];
        private int[] end = new int[16];
        private boolean[] partial = new boolean[16];
        private int n;

        public Builder(int blockM, int blockN, int qLen, int kvLen, boolean perBatch, boolean perHead, int heads, String method) {
            this.blockM = blockM;
            this.blockN = blockN;
            this.qTiles = tiles(qLen, blockM);
            this.kvTiles = tiles(kvLen, blockN);
            this.perBatch = perBatch;
            this.perHead = perHead;
            this.heads = heads;
            this.method = method;
        }

        public int qTiles() {
            return qTiles;
        }

        public int kvTiles() {
            return kvTiles;
        }

        /** Adds a run to the current query tile; adjacent runs of one kind merge. Empty kinds are ignored. */
        public Builder run(int from, int to, TileKind kind) {
            if (kind == TileKind.EMPTY || from >= to) return this;
            int rowStart = offsets.getLast();
            if (n > rowStart && end[n - 1] == from && partial[n - 1] == (kind == TileKind.PARTIAL)) {
                end[n - 1] = to;
                return this;
            }
            if (n == start.length) {
                start = Arrays.copyOf(start, n * 2);
                end = Arrays.copyOf(end, n * 2);
                partial = Arrays.copyOf(partial, n * 2);
            }
            start[n] = from;
            end[n] = to;
            partial[n] = kind == TileKind.PARTIAL;
            n++;
            return this;
        }

        /** Ends the current query tile. */
        public Builder endRow() {
            offsets.add(n);
            return this;
        }

        public BlockPlan build() {
            return new BlockPlan(blockM, blockN, qTiles, kvTiles, perBatch, perHead, heads, method,
                    offsets.stream().mapToInt(Integer::intValue).toArray(),
                    Arrays.copyOf(start, n), Arrays.copyOf(end, n), Arrays.copyOf(partial, n));
        }
    }

    /**
     * The same plan walked by key tile, as FlashAttention's backward walks it (dK and dV of one key
     * tile accumulate over the query tiles that touch it): for each slot and key tile, the runs of
     * query tiles that are not EMPTY, each FULL or PARTIAL. Its rows are key tiles and its runs
     * query tiles, so its {@code blockM} is this plan's {@code blockN} and {@code qTiles} its
     * {@code kvTiles}; slots are the same. Building it costs O(query tiles × key tiles) per slot.
     */
    public BlockPlan transposed() {
        BlockPlan t = transposed;
        if (t == null) transposed = t = transpose();
        return t;
    }

    /** Built once per plan: a training loop or a bench calls the backward many times on one (cached) plan. */
    private volatile BlockPlan transposed;

    private BlockPlan transpose() {
        Builder t = new Builder(blockN, blockM, kvTiles * blockN, qTiles * blockM, perBatch, perHead, heads, method + ", transposed");
        byte[] kinds = new byte[qTiles * kvTiles]; // [kvTile][qTile]: 0 empty, 1 full, 2 partial
        for (int slot = 0; slot < slots(); slot++) {
            Arrays.fill(kinds, (byte) 0);
            for (int qt = 0; qt < qTiles; qt++) {
                int row = slot * qTiles + qt;
                for (int r = runOffsets[row]; r < runOffsets[row + 1]; r++) {
                    for (int kt = runStart[r]; kt < runEnd[r]; kt++) kinds[kt * qTiles + qt] = (byte) (runPartial[r] ? 2 : 1);
                }
            }
            for (int kt = 0; kt < kvTiles; kt++) {
                for (int qt = 0; qt < qTiles; qt++) {
                    byte k = kinds[kt * qTiles + qt];
                    t.run(qt, qt + 1, k == 0 ? TileKind.EMPTY : k == 1 ? TileKind.FULL : TileKind.PARTIAL);
                }
                t.endRow();
            }
        }
        return t.build();
    }

    /** Every tile PARTIAL: correct for any mask, the plan of last resort. */
    public static BlockPlan dense(int blockM, int blockN, int qLen, int kvLen, boolean allKept) {
        Builder b = new Builder(blockM, blockN, qLen, kvLen, false, false, 1, "dense");
        for (int qt = 0; qt < b.qTiles(); qt++) b.run(0, b.kvTiles(), allKept ? TileKind.FULL : TileKind.PARTIAL).endRow();
        return b.build();
    }
}
