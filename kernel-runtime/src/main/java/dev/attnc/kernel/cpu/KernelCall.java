package dev.attnc.kernel.cpu;

import dev.attnc.kernel.Sizes;
import dev.attnc.kernel.BlockPlan;
import dev.attnc.kernel.KeySplits;
import java.util.concurrent.atomic.AtomicIntegerArray;

/**
 * One call of a generated kernel, before its tiles run: checks the arguments against the kernel's
 * head dimension and tiles, packs Kᵀ and V in parallel, once, and hands out the query tiles as
 * tasks, the longest first (in causal plans the last query tiles see the most keys).
 * <p>
 * Split-KV (a plan of {@link KeySplits}, whose rows are (query tile, split)): one task per split;
 * each writes its rows' partial O and LSE, and the split that finishes a query tile last combines
 * them into O and LSE ({@link KeySplits#combineRow}), so no second pass over the tasks is needed.
 */
public final class KernelCall {
    final JavaKernelArgs args;
    final Sizes sizes;
    /** d: the key dimension D (compiled in); dv: the value dimension DV (the call's: V's and O's last), dvPad its padded width. */
    final int d, dv, blockM, blockN, dvPad, nPad, qTiles, kvTiles;
    final float[] keysT, values;
    /** Key splits per query tile (1: none); with more, the partials [B·H][splits][Q_LEN] (O: × DV) and the splits still running per query tile. */
    final int splits;
    final float[] partialO, partialLse;
    private final AtomicIntegerArray running;

    private KernelCall(JavaKernelArgs args, int d, int blockM, int blockN) {
        this.args = args;
        this.sizes = args.sizes();
        this.d = d;
        this.blockM = blockM;
        this.blockN = blockN;
        this.dv = sizes.DV();
        this.dvPad = Gemm.padded(dv);
        this.nPad = Gemm.padded(blockN);
        this.qTiles = BlockPlan.tiles(sizes.Q_LEN(), blockM);
        this.kvTiles = BlockPlan.tiles(sizes.KV_LEN(), blockN);
        int kvHeads = sizes.B() * sizes.H_KV();
        this.keysT = new float[arrayLength((long) kvHeads * kvTiles * Packing.tileSize(d, nPad))];
        this.values = new float[arrayLength((long) kvHeads * kvTiles * Packing.tileSize(blockN, dvPad))];
        this.splits = args.plan().qTiles / Math.max(1, qTiles);
        long rows = (long) sizes.B() * sizes.H() * sizes.Q_LEN();
        this.partialO = splits == 1 ? null : new float[arrayLength(rows * splits * dv)];
        this.partialLse = splits == 1 ? null : new float[arrayLength(rows * splits)];
        this.running = splits == 1 ? null : new AtomicIntegerArray(sizes.B() * sizes.H() * qTiles);
        if (running != null) for (int i = 0; i < running.length(); i++) running.set(i, splits);
    }

    /** Checks {@code args} against a kernel of head dimension d and blockM × blockN tiles and packs K and V. */
    public static KernelCall prepare(JavaKernelArgs args, int d, int blockM, int blockN) {
        check(args, d, blockM, blockN);
        KernelCall call = new KernelCall(args, d, blockM, blockN);
        Sizes s = call.sizes;
        boolean[] visited = visitedKeyTiles(args.plan());
        Tasks.forEach(args.pool(), s.B() * s.H_KV() * call.kvTiles, unit -> {
            int kvHead = unit / call.kvTiles;
            int tile = unit % call.kvTiles;
            if (!visited[tile]) return; // EMPTY for every query tile: never read, so never packed
            int b = kvHead / s.H_KV(), hk = kvHead % s.H_KV();
            // only the sequence's own rows: a paged cache's table is read (and checked) below its length only
            int kvLen = args.kvLen(b);
            Packing.keysTransposed(args.k(), args.kLayout(), b, hk, kvLen, d, blockN, call.nPad, call.kvTiles, kvHead, tile, call.keysT);
            Packing.values(args.v(), args.vLayout(), b, hk, kvLen, call.dv, blockN, call.dvPad, call.kvTiles, kvHead, tile, call.values);
        });
        return call;
    }

    /**
     * The key tiles some plan row visits (a decode step with a causal offset or a window visits few
     * of a long cache's tiles): O(runs + key tiles), a difference array over the runs.
     */
    static boolean[] visitedKeyTiles(BlockPlan p) {
        int[] depth = new int[p.kvTiles + 1];
        for (int r = 0; r < p.runStart.length; r++) {
            depth[p.runStart[r]]++;
            depth[p.runEnd[r]]--;
        }
        boolean[] visited = new boolean[p.kvTiles];
        for (int t = 0, open = 0; t < p.kvTiles; t++) visited[t] = (open += depth[t]) > 0;
        return visited;
    }

    /** One task per (b, h, query tile, key split). */
    public int taskCount() {
        return sizes.B() * sizes.H() * qTiles * splits;
    }

    public QueryTile start(int task) {
        int group = task / splits;
        int qTile = qTiles - 1 - group % qTiles;
        int bh = group / qTiles;
        return new QueryTile(this, bh / sizes.H(), bh % sizes.H(), qTile, task % splits);
    }

    /** Whether the split that called this was its query tile's last to finish (it then combines). */
    boolean lastSplit(int b, int h, int qTile) {
        return running.decrementAndGet((b * sizes.H() + h) * qTiles + qTile) == 0;
    }

    private static void check(JavaKernelArgs args, int d, int blockM, int blockN) {
        Sizes s = args.sizes();
        BlockPlan p = args.plan();
        int qTiles = BlockPlan.tiles(s.Q_LEN(), blockM);
        // a split plan has a row per (query tile, split): its qTiles is a whole multiple of the query tiles
        int splits = qTiles > 0 && p.qTiles % qTiles == 0 ? Math.max(1, p.qTiles / qTiles) : 1;
        checkPlan(s, d, p, blockM, blockN, s.Q_LEN(), s.KV_LEN(), splits);
        if (args.kvLens() != null) {
            if (args.kvLens().length != s.B()) throw new IllegalArgumentException(args.kvLens().length + " sequence lengths for B = " + s.B());
            for (int len : args.kvLens()) {
                if (len < 0 || len > s.KV_LEN()) throw new IllegalArgumentException("sequence length " + len + " outside [0, " + s.KV_LEN() + "]");
            }
        }
        if (args.lse().length != (long) s.B() * s.H() * s.Q_LEN() || !fits(args.q(), args.qLayout(), s.B(), s.H(), s.Q_LEN(), d)
                || !fits(args.o(), args.oLayout(), s.B(), s.H(), s.Q_LEN(), s.DV())
                || !fits(args.k(), args.kLayout(), s.B(), s.H_KV(), s.KV_LEN(), d)
                || !fits(args.v(), args.vLayout(), s.B(), s.H_KV(), s.KV_LEN(), s.DV())) {
            throw new IllegalArgumentException("array lengths do not match " + s + " in their layouts");
        }
    }

    /** Whether a [b, heads, len, d] operand in {@code layout} lies inside {@code a}. */
    static boolean fits(float[] a, RowLayout layout, int b, int heads, int len, int d) {
        return fits(RowSource.of(a), layout, b, heads, len, d);
    }

    static boolean fits(RowSource a, RowLayout layout, int b, int heads, int len, int d) {
        return layout.end(b, heads, len, d) <= a.length();
    }

    /**
     * Checks a call's head dimension against the kernel's d, and that {@code p} has blockM × blockN
     * tiles over {@code rows} × {@code cols} and a slot for every (b, h). A backward kernel passes
     * its transposed plan, whose rows are key tiles. A split plan has {@code splits} rows a tile.
     */
    static void checkPlan(Sizes s, int d, BlockPlan p, int blockM, int blockN, int rows, int cols, int splits) {
        if (s.D() != d) throw new IllegalArgumentException("kernel for D = " + d + " called with D = " + s.D());
        if (p.blockM != blockM || p.blockN != blockN) {
            throw new IllegalArgumentException("plan of " + p.blockM + "x" + p.blockN + " tiles for a kernel of " + blockM + "x" + blockN);
        }
        if (p.qTiles != BlockPlan.tiles(rows, blockM) * splits || p.kvTiles != BlockPlan.tiles(cols, blockN)) {
            throw new IllegalArgumentException("plan of " + p.qTiles + "x" + p.kvTiles + " tiles for " + s);
        }
        if (p.perHead && p.heads != s.H() || p.slot(s.B() - 1, s.H() - 1) >= p.slots()) {
            throw new IllegalArgumentException("plan of " + p.slots() + " slots does not cover " + s);
        }
    }

    static int arrayLength(long n) {
        if (n > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("a packed operand of " + n + " floats is too large for a Java array");
        }
        return (int) n;
    }
}
