package dev.attnc.compiler.target;

/**
 * How many ranges the key range of one (b, h, query tile) is split into (split-KV, FlashDecoding).
 * A decode step has a few query rows against a long KV cache: its B·H·query-tiles tasks can be
 * fewer than the device's parallel units, which then sit idle while a few tasks walk every key.
 * Split-KV gives each task's kept key tiles to {@code splits} tasks, each computing a partial O and
 * LSE over a contiguous share, and a combine step merges them by log-sum-exp.
 * <p>
 * One pure function for every backend, each with its own {@link Units}: the Java backend's worker
 * threads, an OpenCL device's compute units, a GPU's SMs. 1 split is the prefill kernel unchanged.
 */
public final class SplitKv {
    /** Never more splits than this: the partials take splits × O's memory, and the combine reads them all. */
    public static final int MAX_SPLITS = 64;

    private SplitKv() {}

    /**
     * What a device offers the splits.
     *
     * @param parallelUnits units that run tasks at once (threads, compute units, SMs)
     * @param tasksPerUnit tasks a unit should have to stay busy (work stealing or latency hiding needs more than one)
     * @param minTilesPerSplit the fewest key tiles worth a split of their own: the partial's write and its combine cost about this many tiles' reads
     */
    public record Units(int parallelUnits, int tasksPerUnit, int minTilesPerSplit) {
        public Units {
            if (parallelUnits < 1 || tasksPerUnit < 1 || minTilesPerSplit < 1) {
                throw new IllegalArgumentException("split-KV units must be positive: " + parallelUnits + ", " + tasksPerUnit + ", " + minTilesPerSplit);
            }
        }
    }

    /**
     * The Java backend on {@code threads} workers: two tasks a thread are enough for the pool's work
     * stealing; a split of fewer than 8 key tiles (512 keys at the CPU's 64-key tiles) would cost
     * about as much in its combine and task as it saves.
     */
    public static Units java(int threads) {
        return new Units(Math.max(1, threads), 2, 8);
    }

    /**
     * An OpenCL device of {@code computeUnits}: four work-groups a unit, so that a GPU hides its
     * memory latency (a CPU device such as PoCL runs them one after another, which costs nothing).
     */
    public static Units opencl(int computeUnits) {
        return new Units(Math.max(1, computeUnits), 4, 8);
    }

    /**
     * The split count: enough tasks to give every unit its share, {@code ceil(units · tasksPerUnit /
     * tasks)}, but no split shorter than {@code minTilesPerSplit} of the row's kept (non-EMPTY) key
     * tiles and at most {@link #MAX_SPLITS}; 1 (no split) when the tasks already fill the device,
     * as prefill's do. A decode step (Q_LEN of a few rows: one query tile) is where this exceeds 1.
     *
     * @param tasks B · H · query tiles of the call
     * @param keptTilesPerRow the most non-EMPTY key tiles of one query tile in the block plan
     */
    public static int splits(Units u, long tasks, int keptTilesPerRow) {
        long wanted = (long) u.parallelUnits() * u.tasksPerUnit();
        if (tasks <= 0 || tasks >= wanted) return 1;
        long fill = (wanted + tasks - 1) / tasks;
        long longest = Math.max(1, keptTilesPerRow / u.minTilesPerSplit());
        return (int) Math.max(1, Math.min(Math.min(fill, longest), MAX_SPLITS));
    }

    /**
     * The split count on a GPU whose blocks stay resident (CUDA's decode program): as many splits as
     * let every block of the call be resident at once ({@code residentBlocks}: SMs times blocks per
     * SM), so the call is one wave that reads K and V at once, rounded down (a second, partial wave
     * measured slower: one wave 156 µs, two 184 µs at B=1 KV_LEN=131072 on the H200,
     * docs/cuda-notes.md); at least 1, at most a quarter of the most tiles a row keeps (each warp then
     * streams a few chunks at least) and {@link #MAX_RESIDENT_SPLITS}.
     *
     * @param tasks blocks of one split: B · H_KV · (query-head groups per KV head)
     */
    public static int residentWave(long residentBlocks, long tasks, long maxKeptTilesPerRow) {
        long byDevice = residentBlocks / Math.max(1, tasks);
        long byWork = Math.max(1, maxKeptTilesPerRow / 4);
        return (int) Math.max(1, Math.min(Math.min(byDevice, byWork), MAX_RESIDENT_SPLITS));
    }

    /** The most splits of {@link #residentWave}: a GPU's grid of one wave (132 SMs x 2 blocks fit well below). */
    public static final int MAX_RESIDENT_SPLITS = 1024;
}
