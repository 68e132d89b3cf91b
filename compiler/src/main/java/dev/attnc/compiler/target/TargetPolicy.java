package dev.attnc.compiler.target;

import dev.attnc.compiler.codegen.cuda.CudaBackwardCodegen;
import dev.attnc.compiler.codegen.cuda.CudaCodegen;
import dev.attnc.compiler.codegen.cuda.CudaDecodeCodegen;
import dev.attnc.compiler.codegen.cuda.DqForm;
import dev.attnc.compiler.codegen.cuda.TileWidths;
import dev.attnc.compiler.codegen.cuda.CudaCodegen.Engine;
import dev.attnc.compiler.codegen.cuda.CudaCodegen.Options;
import dev.attnc.compiler.plan.PairWork;
import dev.attnc.compiler.ir.Attention;
import dev.attnc.compiler.plan.TilePlan;
import dev.attnc.compiler.plan.TilePlans;
import java.util.ArrayList;
import java.util.List;

/**
 * Which kernel runs for a request, decided in one place and as a pure function of data: the
 * device's capabilities, the head dimension, the autotuner's remembered winner (looked up by the
 * runtime per device, dtype and variant class), how much of the grid the mask keeps, and what the
 * user forced ({@link BackendOptions}). The backends, {@code attnc compile} (which has no device),
 * the autotuner and the benchmarks all ask here, so what is printed is what runs.
 * <p>
 * Two steps, because the block plan that measures a mask's density is made under the first tiles:
 * {@link #tiles} (first with {@code keptTiles} unknown, then again with it), then {@link #decisions}
 * for the chosen tiles: an ordered list whose first entry is built first and whose later entries
 * are the fallbacks a backend takes, in order, when the compiled kernel spills registers.
 * The tables behind the CUDA choices are in {@link TilePlans} and docs/cuda-notes.md.
 */
public final class TargetPolicy {
    /** OpenCL C 1.2: what PoCL and NVIDIA's driver both compile. */
    public static final String OPENCL_BUILD_OPTIONS = "-cl-std=CL1.2";

    private TargetPolicy() {}

    /**
     * The inputs of a tile decision.
     *
     * @param tuned the autotuner's winner for this device, head dimension, dtype and variant class, or null
     * @param keptTiles the fraction of tiles the mask keeps under the tiles decided without it; NaN before that is known
     */
    public record TileRequest(DeviceCaps device, int headDim, TilePlan tuned, double keptTiles, BackendOptions options) {}

    /** The tiles a call runs with: forced, else the tuned winner (where the engine can run it), else the device's default adjusted for the mask. */
    public static TilePlan tiles(TileRequest r) {
        return switch (r.device()) {
            case DeviceCaps.Cpu c -> TilePlans.java(r.headDim());
            case DeviceCaps.OpenCl cl -> TilePlans.opencl(r.headDim(), cl.maxWorkGroupSize(), cl.localMemBytes());
            case DeviceCaps.Cuda cuda -> {
                TilePlan forced = r.options().cudaTiles().get(r.headDim());
                if (forced != null) yield forced;
                if (r.tuned() != null && CudaCodegen.unsupported(r.headDim(), r.tuned()) == null) yield r.tuned();
                // the Hopper engine's tiles are those of the D it pads to (80 runs as 128 does)
                TilePlan first = hopperTakes(cuda, r.headDim(), r.headDim(), r.options())
                        ? TilePlans.cuda(TileWidths.hopper(r.headDim()), 9) : TilePlans.cuda(r.headDim(), 8);
                yield Double.isNaN(r.keptTiles()) ? first : TilePlans.cudaForMask(first, r.headDim(), r.keptTiles());
            }
        };
    }

    /**
     * How to build a kernel at {@code tiles}, best first; the later entries are the spill fallbacks.
     * CUDA, mma.sync: min-blocks {@code n, n-1, ..., 1} (spills in the key loop cost more than the
     * occupancy gains); Hopper engine: the overlapped schedule, then the sequential one (~32 fewer
     * registers a thread; the overlap keeps S of one tile and P of the previous one live at once).
     * A forced min-blocks has no fallback.
     */
    public static List<Decision> decisions(DeviceCaps device, int headDim, TilePlan tiles, BackendOptions options) {
        return decisions(device, headDim, headDim, tiles, options);
    }

    /** {@link #decisions(DeviceCaps, int, TilePlan, BackendOptions)} for value dimension {@code valueDim} (V's and O's rows). */
    public static List<Decision> decisions(DeviceCaps device, int headDim, int valueDim, TilePlan tiles, BackendOptions options) {
        return switch (device) {
            case DeviceCaps.Cpu c -> List.of(new Decision.Java(tiles));
            case DeviceCaps.OpenCl cl -> List.of(new Decision.OpenCl(tiles, OPENCL_BUILD_OPTIONS));
            case DeviceCaps.Cuda cuda -> {
                Options first = cudaOptions(cuda, headDim, valueDim, tiles, options);
                List<Decision> out = new ArrayList<>();
                out.add(cuda(cuda, tiles, first));
                if (first.engine() == Engine.HOPPER && first.schedule().overlap()) {
                    out.add(cuda(cuda, tiles, first.withSchedule(first.schedule().sequential())));
                } else if (first.engine() == Engine.MMA_SYNC && options.cudaMinBlocks() == 0) {
                    for (int n = first.minBlocks() - 1; n >= 1; n--) out.add(cuda(cuda, tiles, first.withMinBlocks(n)));
                }
                yield List.copyOf(out);
            }
        };
    }

    /**
     * The CUDA backward's build. On Hopper at D = 64 and 128 (DV = D) the warp-specialized dK/dV
     * kernel ({@link Engine#HOPPER}, FlashAttention-3's design: a TMA producer, two consumer warpgroups
     * of 64 keys sharing each Q and dO tile, dQ through atomics), at 64 x 128 tiles: 1.45× the FA2-style
     * kernels on wgmma at B=2 H=16 S=8192 D=128 full, 1.35× causal (docs/benchmarks.md, session 13);
     * with a deterministic dQ ({@code -Dattnc.cuda.deterministic=true}, which that kernel does not
     * have) or {@code -Dattnc.cuda.engine=wgmma} the FA2-style kernels with their products on wgmma;
     * elsewhere, or with {@code -Dattnc.cuda.engine=mma}, and with DV other than D, mma.sync on the
     * GPU's own architecture. Fast math as the forward's (approximate division, denormals flushed,
     * tanh on the special-function unit): soft-cap's backward 2.5× faster (157 → 390 TFLOP/s at D = 128),
     * within the GPU tests' tolerances; {@code -Dattnc.cuda.backwardMath=exact} builds it exact.
     */
    public static Decision.Cuda cudaBackward(DeviceCaps.Cuda device, int headDim, int valueDim, BackendOptions options) {
        boolean wgmma = usesHopper(device, options) && CudaBackwardCodegen.wgmmaFits(headDim) && valueDim == headDim;
        // the warp-specialized dK/dV kernel adds dQ through atomics: a deterministic dQ, or a forced
        // -Dattnc.cuda.engine=wgmma, keeps the FA2-style kernels on wgmma
        boolean warpSpecialized = wgmma && options.cudaEngine() != Engine.WGMMA && !Boolean.TRUE.equals(options.cudaDeterministic());
        Engine engine = warpSpecialized ? Engine.HOPPER : wgmma ? Engine.WGMMA : Engine.MMA_SYNC;
        TilePlan tiles = warpSpecialized ? CudaBackwardCodegen.HOPPER_TILES : CudaBackwardCodegen.TILES;
        boolean fastMath = !Boolean.FALSE.equals(options.cudaBackwardFastMath());
        return cuda(device, tiles, new Options(fastMath, 1, false, engine, 2, CudaCodegen.Schedule.ALL));
    }

    /**
     * The CUDA backward's form of dQ: through float atomics in the dK/dV kernel (5 products a pair,
     * as FlashAttention-2 and -3 do by default), or by the deterministic second pass (7 products, the
     * same bits every run). Measured on the H200 (docs/benchmarks.md, session 11): on mma.sync the
     * atomic form is faster for every variant (D = 128 full 253 vs 228 TFLOP/s); on wgmma at D = 128
     * the deterministic form is faster where a pair's work is light (full 391 vs 342, causal 375 vs
     * 331, ALiBi 317 vs 288) and the atomic form where it is heavy ({@link PairWork}: soft-cap 132 vs
     * 110, a learned table 135 vs 125), since the second pass computes every pair again; at D = 64,
     * where a pair's work weighs twice as much against its products, the atomic form is as fast or
     * faster for every variant (full 226 vs 226, causal 202 vs 198, soft-cap 79 vs 64).
     * {@code -Dattnc.cuda.deterministic=true|false} forces one.
     */
    public static DqForm cudaBackwardForm(Attention a, int headDim, Decision.Cuda build, BackendOptions options) {
        if (options.cudaDeterministic() != null) return options.cudaDeterministic() ? DqForm.DETERMINISTIC : DqForm.ATOMIC;
        if (build.options().engine() == Engine.HOPPER) return DqForm.ATOMIC;
        return build.options().wgmma() && headDim > 64 && !PairWork.heavy(a) ? DqForm.DETERMINISTIC : DqForm.ATOMIC;
    }

    /**
     * The decode program's build: mma.sync on the GPU's own architecture with the forward's fast
     * math (its numbers are the forward kernel's), at the plan's tiles.
     */
    public static Decision.Cuda cudaDecodeBuild(DeviceCaps.Cuda device, TilePlan tiles) {
        return cuda(device, tiles, new Options(true, 1, false, Engine.MMA_SYNC, 2, CudaCodegen.Schedule.ALL));
    }

    /**
     * A CUDA build with given code-generation options (benchmarks and experiments): NVRTC targets
     * the GPU's own architecture, so the result is a cubin (no JIT at load), or {@code sm_90a},
     * the only target with wgmma; with fast math, approximate division (2 ulp) and denormals
     * flushed to zero (-inf is untouched).
     */
    public static Decision.Cuda cuda(DeviceCaps.Cuda device, TilePlan tiles, Options options) {
        String arch = options.wgmma() ? "sm_90a" : device.smArch();
        List<String> flags = new ArrayList<>(List.of("--gpu-architecture=" + arch, "--std=c++17", "--diag-suppress=177"));
        if (options.fastMath()) flags.addAll(List.of("--prec-div=false", "--ftz=true"));
        return new Decision.Cuda(tiles, options, arch, flags);
    }

    /**
     * Tile plans worth timing for a head dimension (the autotuner's candidates), the default first.
     * CUDA on Hopper: 128 rows (two consumer warpgroups) by 128 or 64 keys, and 192 rows (three)
     * by 128 or 64 keys for D ≤ 64, where 160 registers a thread still hold a tile (192 rows spill
     * at D = 128); elsewhere the mma.sync shapes of docs/cuda-notes.md. Other targets: the default.
     */
    public static List<TilePlan> tileCandidates(DeviceCaps device, int headDim, BackendOptions options) {
        TilePlan first = tiles(new TileRequest(device, headDim, null, Double.NaN, options));
        if (!(device instanceof DeviceCaps.Cuda cuda)) return List.of(first);
        boolean hopper = hopperTakes(cuda, headDim, headDim, options);
        List<TilePlan> c = new ArrayList<>(List.of(first));
        List<TilePlan> more = hopper
                ? List.of(new TilePlan(128, 128, 8), new TilePlan(192, 128, 12), new TilePlan(192, 64, 12), new TilePlan(128, 64, 8),
                        new TilePlan(64, 128, 4))
                : List.of(new TilePlan(128, 64, 4), new TilePlan(128, 64, 8), new TilePlan(64, 64, 4), new TilePlan(128, 128, 8));
        for (TilePlan t : more) {
            if (CudaCodegen.unsupported(headDim, t) != null || c.contains(t)) continue;
            // mma.sync: shared tiles as wide as the padded D (D = 160 and 256 at 128 x 128 do not fit)
            boolean fits = hopper ? hopperStages(cuda, headDim, headDim, t) > 0
                    : CudaCodegen.sharedBytes(headDim, t) <= cuda.maxSharedPerBlockOptin();
            if (headDim > 64 && t.blockM() == 192) fits = false; // spills at D = 128 (docs/cuda-notes.md)
            if (fits) c.add(t);
        }
        return List.copyOf(c);
    }

    /**
     * How a call runs in the decode program on CUDA (CudaDecodeCodegen), each block holding one 16-row
     * tile of a (b, group of query heads): {@code headsPacked} query heads of one KV head when their
     * rows fit one tile, else one head's Q_LEN rows over tiles of 16; each warp streams its chunks
     * through a ring of {@code stages}. {@code planQueryTile} is the block plan's query tile (BLOCK_M)
     * where the call's rows reach past the plan's first row of query tiles (chunked prefill over a
     * paged or ragged cache): each block then walks the kept key tiles of its own plan row; 0 where
     * every row lies in the first (the program's text is then what it was before plan rows).
     */
    public record CudaDecode(int headsPacked, int stages, int planQueryTile) {}

    /** The query rows one decode block holds: one m16 tile. */
    public static final int DECODE_ROWS = 16;

    /**
     * How the decode program would run a call, or null where it cannot ({@link #cudaDecodeRefusal});
     * whether it does is {@link #prefersDecode}'s. Heads are packed unless the block plan differs per
     * head; the ring is as deep as lets two blocks share an SM (at least 2).
     */
    public static CudaDecode cudaDecode(DeviceCaps.Cuda device, int headDim, int qLen, int group, TilePlan tiles, boolean planPerHead) {
        return cudaDecode(device, headDim, headDim, qLen, group, tiles, planPerHead);
    }

    /** {@link #cudaDecode(DeviceCaps.Cuda, int, int, int, TilePlan, boolean)}: none where {@link #cudaDecodeRefusal} gives a reason. */
    public static CudaDecode cudaDecode(DeviceCaps.Cuda device, int headDim, int valueDim, int qLen, int group, TilePlan tiles,
            boolean planPerHead) {
        if (cudaDecodeRefusal(device, headDim, valueDim, qLen, tiles) != null) return null;
        int packed = 1;
        if (!planPerHead) for (int d = group; d >= 1; d--) if (group % d == 0 && d * qLen <= DECODE_ROWS) { packed = d; break; }
        return new CudaDecode(packed, decodeStages(device, Math.max(headDim, valueDim)), qLen > tiles.blockM() ? tiles.blockM() : 0);
    }

    /**
     * Whether a call that the decode program can take runs there rather than in the forward kernel:
     * always at Q_LEN ≤ {@link #DECODE_ROWS} (it reads K and V once and computes little: the forward's
     * 64 to 192 rows a tile would be mostly padding, its B·H blocks too few to read at memory speed);
     * always where the call is ragged (paged K/V, per-sequence lengths: only the decode program reads
     * them, chunked prefill of any Q_LEN among them); other calls run the forward kernel, unless
     * {@code -Dattnc.cuda.decode=always} ({@link BackendOptions#cudaDecode}).
     * Measured on the H200 (docs/benchmarks.md): B=8, Q_LEN=64, KV_LEN=32768 took 3,174 µs in the
     * decode program, whose blocks of 16 rows read K and V once per 16 rows of each query head, where
     * cuDNN took 913 µs: such calls are bound by their products, which the forward kernel does at
     * tensor-core speed.
     */
    public static boolean prefersDecode(int qLen, boolean ragged, BackendOptions options) {
        if (qLen <= DECODE_ROWS || ragged) return true;
        return Boolean.TRUE.equals(options.cudaDecode());
    }

    /**
     * Why the decode program cannot take a call (its head dimensions and plan tiles, the device's shared
     * memory), or null when it can: the one statement of its limits, for the choice above and for the
     * refusal of calls only it would run (paged K/V, per-sequence lengths). Any Q_LEN: past the plan's
     * first query tile each block walks its own plan row ({@link CudaDecode#planQueryTile}).
     */
    public static String cudaDecodeRefusal(DeviceCaps.Cuda device, int headDim, int valueDim, int qLen, TilePlan tiles) {
        // a block's 16 rows must lie in one plan row of query tiles
        if (qLen > tiles.blockM() && tiles.blockM() % DECODE_ROWS != 0) {
            return "its blocks of " + DECODE_ROWS + " query rows must each lie in one query tile of the block plan, and tiles of "
                    + tiles.blockM() + " rows hold no whole number of them";
        }
        String why = CudaDecodeCodegen.unsupported(headDim, valueDim, tiles.blockN());
        if (why != null) return why;
        int widest = Math.max(headDim, valueDim);
        if (CudaDecodeCodegen.sharedBytes(widest, decodeStages(device, widest)) > device.maxSharedPerBlockOptin()) {
            return "its two-stage ring at D = " + widest + " needs " + CudaDecodeCodegen.sharedBytes(widest, 2) + " bytes of shared memory, more than this GPU's "
                    + device.maxSharedPerBlockOptin();
        }
        return null;
    }

    /** The decode ring's depth: as deep as lets two blocks share an SM, at least 2. */
    private static int decodeStages(DeviceCaps.Cuda device, int headDim) {
        int stages = 4;
        while (stages > 2 && 2 * CudaDecodeCodegen.sharedBytes(headDim, stages) > device.maxSharedPerBlockOptin()) stages--;
        return stages;
    }

    /** Whether CUDA kernels on this device use Hopper's wgmma: an sm_90 GPU, unless mma.sync is forced. */
    public static boolean usesHopper(DeviceCaps.Cuda device, BackendOptions options) {
        return device.major() == 9 && options.cudaEngine() != Engine.MMA_SYNC;
    }

    /**
     * Whether the Hopper engine takes these dimensions on this device: an sm_90 GPU (unless mma.sync is
     * forced) and D, DV within {@link CudaCodegen#unsupportedOnHopper}'s limits (D, DV ≥ 64; padded
     * to whole 64-column boxes inside the kernel).
     */
    static boolean hopperTakes(DeviceCaps.Cuda device, int headDim, int valueDim, BackendOptions options) {
        return usesHopper(device, options) && CudaCodegen.unsupportedOnHopper(headDim, valueDim) == null;
    }

    /**
     * The Hopper engine's K/V ring depth at these tiles, or 0 where the plan does not fit it or even
     * two stages exceed the device's shared memory: 3 for 64-key tiles at D ≤ 64 (short work per
     * stage, a third keeps TMA ahead; B=8 S=2048 document 192x64: 165 TFLOP/s, docs/benchmarks.md),
     * else 2.
     */
    static int hopperStages(DeviceCaps.Cuda device, int headDim, int valueDim, TilePlan tiles) {
        if (!CudaCodegen.hopperFits(headDim, valueDim, tiles)) return 0;
        int stages = tiles.blockN() <= 64 && Math.max(headDim, valueDim) <= 64 ? 3 : 2;
        while (stages >= 2 && CudaCodegen.hopperSharedBytes(headDim, valueDim, tiles, stages) > device.maxSharedPerBlockOptin()) stages--;
        return stages >= 2 ? stages : 0;
    }

    /**
     * The first CUDA options at these tiles. Hopper: the warp-specialized kernel where it takes D and
     * DV ({@link #hopperTakes}: D = 80 or 96 padded to 128, DeepSeek's 192 / 128) and its ring fits
     * ({@link #hopperStages}), else the FA2 loop on wgmma where that fits (or where it is forced:
     * unpadded D = DV only, {@link TileWidths#wgmma}), else mma.sync as on sm_80 (docs/cuda-notes.md's
     * choices; D < 64 on Hopper too).
     */
    static Options cudaOptions(DeviceCaps.Cuda device, int headDim, int valueDim, TilePlan tiles, BackendOptions options) {
        boolean wgmma = usesHopper(device, options) && valueDim == headDim && CudaCodegen.wgmmaFits(headDim, tiles);
        int stages = hopperTakes(device, headDim, valueDim, options) ? hopperStages(device, headDim, valueDim, tiles) : 0;
        Options o;
        if (wgmma && options.cudaEngine() == Engine.WGMMA) {
            o = Options.wgmma(headDim, tiles);
        } else if (stages > 0) {
            o = Options.hopper(stages);
        } else if (wgmma) {
            o = Options.wgmma(headDim, tiles);
        } else {
            o = Options.defaults(headDim, tiles);
        }
        return options.cudaMinBlocks() > 0 ? o.withMinBlocks(options.cudaMinBlocks()) : o;
    }
}
