package dev.attnc.compiler.codegen.cuda;

import dev.attnc.compiler.codegen.BackwardSignature;
import dev.attnc.compiler.codegen.KernelSignature;
import dev.attnc.compiler.codegen.c.CHelpers;
import dev.attnc.compiler.codegen.c.Dialect;
import dev.attnc.compiler.codegen.c.ParamArg;
import dev.attnc.compiler.codegen.c.Storage;
import dev.attnc.compiler.codegen.c.Templates;
import dev.attnc.compiler.codegen.cuda.CudaBackwardBody.Rows;
import dev.attnc.compiler.codegen.cuda.CudaCodegen.Engine;
import dev.attnc.compiler.grad.Gradient;
import dev.attnc.compiler.ir.Attention;
import dev.attnc.compiler.plan.TilePlan;
import dev.attnc.compiler.target.DeviceCaps;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.stringtemplate.v4.ST;
import org.stringtemplate.v4.STGroup;

/**
 * Gradient IR → CUDA C++ for NVRTC: the backward pass on mma.sync tensor cores (sm_80 and later; on
 * sm_90a the dK/dV and dQ kernels' products on wgmma instead, where {@link #wgmmaFits}),
 * its per-pair code printed by {@link CudaBackwardBody} into {@code dev/attnc/templates/cuda_backward.stg}
 * (the program, FlashAttention-2's structure) and {@code cuda_backward_pairs.stg} (the variant's code
 * on the fragments). The source holds no user text but mangled parameter names.
 */
public final class CudaBackwardCodegen {
    private static final String TEMPLATE = "dev/attnc/templates/cuda_backward.stg";
    /** Both kernels' tiles: 64 query rows by 64 keys, four warps of 16 rows. */
    public static final TilePlan TILES = new TilePlan(64, 64, 4);
    /**
     * The warp-specialized dK/dV kernel's tiles ({@link Engine#HOPPER}, cuda_backward_hopper.stg): 64
     * query rows by 128 keys, two consumer warpgroups of 64 keys (eight warps).
     */
    public static final TilePlan HOPPER_TILES = new TilePlan(64, 128, 8);
    /**
     * The warp-specialized kernel's Q / dO stages. Three at D = 128 (199 KB) timed the same as two on the H200 and four
     * at D = 64 were within 3 % of it (docs/benchmarks.md, session 14): two, the least shared memory.
     */
    static final int HOPPER_STAGES = 2;

    private CudaBackwardCodegen() {}

    /**
     * Lanes of a warp that read one row of O and dO in the Δ kernel's 16-byte loads (8 elements a lane):
     * where DV / 8 is a power of two from 4 to 32 (a warp's 8 rows then take whole passes); else null,
     * one row at a time of 2-byte loads.
     */
    static Integer deltaLanes(int valueDim) {
        int lanes = valueDim / 8;
        return valueDim % 8 == 0 && lanes >= 4 && lanes <= 32 && Integer.bitCount(lanes) == 1 ? lanes : null;
    }

    /** Why the backward cannot be compiled at this head dimension, or null when it can (padded as the forward's tiles). */
    public static String unsupported(int headDim) {
        return TileWidths.BACKWARD.unsupported(headDim);
    }

    /**
     * The most columns of dK and dV that a warp's 16 keys keep in registers with DV != D: (D + DV) / 2
     * floats a thread, DeepSeek MLA's D = 192 with DV = 128 (DV = D keeps {@link TileWidths#BACKWARD}'s
     * D ≤ 128, the measured one).
     */
    public static final int MAX_KEY_COLUMNS = 320;

    /**
     * Why the backward cannot take key dimension {@code headDim} with value dimension {@code valueDim}
     * (V's, O's, dO's and dV's rows), or null when it can: with DV != D each a head dimension of the
     * forward's tiles and D + DV up to {@link #MAX_KEY_COLUMNS}.
     */
    public static String unsupported(int headDim, int valueDim) {
        if (valueDim == headDim) return unsupported(headDim);
        String why = TileWidths.BACKWARD_VALUE.unsupported(headDim);
        if (why == null) why = TileWidths.BACKWARD_VALUE.unsupported(valueDim);
        if (why == null && headDim + valueDim > MAX_KEY_COLUMNS) {
            why = "the CUDA backward keeps 16 keys' dK and dV in a warp's registers, D + DV up to " + MAX_KEY_COLUMNS
                    + " (D = 192 with DV = 128), not D = " + headDim + ", DV = " + valueDim;
        }
        return why;
    }

    /**
     * Whether the kernels' products can run on Hopper's wgmma (sm_90a) at this head dimension:
     * whole 64-column blocks, no padding (the descriptors address the tiles as they are).
     */
    public static boolean wgmmaFits(int headDim) {
        return unsupported(headDim) == null && TileWidths.wgmma(headDim) && tileWidth(headDim) == headDim;
    }

    /** The width of the kernels' shared tiles at this head dimension. */
    static int tileWidth(int headDim) {
        return TileWidths.BACKWARD.of(headDim, TILES.warps() * 32);
    }

    /** The width of the kernels' shared tiles with key dimension D and value dimension DV: the larger's. */
    static int tileWidth(int headDim, int valueDim) {
        return tileWidth(Math.max(headDim, valueDim));
    }

    /**
     * Dynamic shared memory of the warp-specialized dK/dV kernel (cuda_backward_hopper.stg's
     * WS_SMEM_BYTES, plus 1024 bytes to align its base): K and V of 128 keys, the ring's Q and dO tiles
     * and LSE / Δ, two dS^T buffers of 128 x 64, the mbarriers.
     */
    public static int hopperSharedBytes(int headDim) {
        return hopperSharedBytes(headDim, 0);
    }

    /** {@link #hopperSharedBytes(int)} with the buffers of {@code diagonalGrads} gradients summed along diagonals. */
    public static int hopperSharedBytes(int headDim, int diagonalGrads) {
        return hopperSharedBytes(headDim, diagonalGrads, 0);
    }

    /**
     * {@link #hopperSharedBytes(int, int)} with {@code columnValues} column values of a PARTIAL tile shared by each
     * consumer warpgroup ({@link #sharedColumns}: 64 queries' each, by item parity).
     */
    public static int hopperSharedBytes(int headDim, int diagonalGrads, int columnValues) {
        return hopperSharedBytes(headDim, diagonalGrads, columnValues, 1);
    }

    /** {@link #hopperSharedBytes(int, int, int)} with {@code kvBuffers} buffers of K and V ({@link #kvBuffers}). */
    public static int hopperSharedBytes(int headDim, int diagonalGrads, int columnValues, int kvBuffers) {
        int keys = HOPPER_TILES.blockN(), rows = HOPPER_TILES.blockM();
        int bytes = kvBuffers * 2 * keys * headDim * 2 + HOPPER_STAGES * (2 * rows * headDim * 2 + 2 * rows * Float.BYTES) + 2 * keys * rows * 2;
        // the barriers (each K / V buffer's landed and free, the stages' full and empty, the unit slots') and the slots
        return bytes + diagonalGrads * DIAGONAL_BUFFER_BYTES + 2 * 2 * columnValues * rows * Integer.BYTES + 40 * kvBuffers
                + 16 * HOPPER_STAGES + 1024;
    }

    /**
     * Buffers of K and V of the warp-specialized kernel: two where the kernel's shared memory stays within
     * {@link #TWO_KV_BUFFERS_MAX_BYTES} with them (the diagonal sums' buffers come first), so that a persistent block
     * loads its next unit's K and V while it works on this one (D = 64: the sliding window 148.9 -> 157.8 TFLOP/s,
     * docs/benchmarks.md, session 22); else one.
     */
    static int kvBuffers(int headDim, int diagonalGrads, int columnValues) {
        return hopperSharedBytes(headDim, diagonalGrads, columnValues, 2) <= TWO_KV_BUFFERS_MAX_BYTES ? 2 : 1;
    }

    /**
     * The most shared memory the kernel takes for a second K / V buffer: at D = 128 two (231 KB of the SM's 256 KB of
     * shared memory and L1) ran slower than one (the sliding window 380.0 -> 352.2, causal 521.9 -> 486.0 TFLOP/s,
     * docs/benchmarks.md, session 22).
     */
    static final int TWO_KV_BUFFERS_MAX_BYTES = 192 * 1024;

    /**
     * A PARTIAL tile's column values (functions of the query alone: a mask's grid coordinates, a document id) as the
     * warp-specialized consumers share them: each warpgroup's first 64 threads compute one query's each into shared
     * memory, as 32-bit words, and every thread reads those of the 16 columns it holds (cuda_backward_pairs.stg's
     * pairColumnsShared), where each thread computed all 16 (64 times over in a warpgroup). {@code stores} /
     * {@code loads}: one line a value; null where the loop computes nothing (its values are the query itself).
     */
    static Map<String, Object> sharedColumns(CudaBackwardBody.Columns columns) {
        if (columns.code().isEmpty() || columns.values().isEmpty()) return null;
        List<String> stores = new ArrayList<>(), loads = new ArrayList<>();
        for (int k = 0; k < columns.values().size(); k++) {
            CudaBackwardBody.Value v = columns.values().get(k);
            String slot = "attn_cols[" + k + " * TILE + attn_cq]";
            stores.add(slot + " = " + switch (v.type()) {
                case INT -> v.local();
                case BOOL -> "(int)" + v.local();
                case FLOAT -> "(int)__float_as_uint(" + v.local() + ")";
            } + ";");
            loads.add(v.array() + "[ci] = " + switch (v.type()) {
                case INT -> slot;
                case BOOL -> slot + " != 0";
                case FLOAT -> "__int_as_float(" + slot + ")";
            } + ";");
        }
        return Map.of("stores", stores, "loads", loads);
    }

    /**
     * One gradient's buffers for its sums along the item's diagonals (cuda_backward_hopper.stg's WS_DIAG_FLOATS, two by
     * item parity): each of the 8 consumer warps' 64 + 15 diagonals, by column parity and chain class.
     */
    static final int DIAGONAL_BUFFER_BYTES = 2 * 8 * (HOPPER_TILES.blockM() + 15) * 4 * Float.BYTES;

    /**
     * How many of {@code diagonalGrads} gradients summed along diagonals are reduced per item in shared memory, in the
     * order they come (the warp-specialized kernel runs on sm_90 only, whose 227 KB a block may opt into): three at
     * D = 128, six at D = 64. The others add each warp's chain sums with their own atomics, 10x as many
     * (docs/benchmarks.md, session 17: the relative bias 290 TFLOP/s that way, 372 reduced). {@code columnValues}:
     * the shared column values' room comes first ({@link #sharedColumns}).
     */
    static int bufferedDiagonals(int headDim, int diagonalGrads, int columnValues) {
        int room = DeviceCaps.Cuda.parse("sm_90a").maxSharedPerBlockOptin() - hopperSharedBytes(headDim, 0, columnValues);
        return Math.min(diagonalGrads, Math.max(0, room / DIAGONAL_BUFFER_BYTES));
    }

    /**
     * The atomic form's dQaccum, in floats: per (b, h, query tile) a block of the tile's 64 rows by D
     * rounded up to 16 (the accumulators' n8 tiles), in the fragments' order (cuda_backward.stg,
     * {@code DQ_BLOCK}), so that the adds into it are whole contiguous sectors.
     */
    public static long dqAccumFloats(long batch, long heads, long queryLen, int headDim) {
        long queryTiles = (queryLen + TILES.blockM() - 1) / TILES.blockM();
        return batch * heads * queryTiles * TILES.blockM() * (16L * ((headDim + 15) / 16));
    }

    /** The floats of {@link BackwardSignature#TILE_STATS}: LSE·log2 e and Δ of each (b, h) by 64-row query tile. */
    public static long tileStatsFloats(long batch, long heads, long queryLen) {
        long queryTiles = (queryLen + HOPPER_TILES.blockM() - 1) / HOPPER_TILES.blockM();
        return batch * heads * queryTiles * 2L * HOPPER_TILES.blockM();
    }

    /**
     * The ints of the warp-specialized dK/dV kernel's scheduler ({@code dkdv_units}): the count of units taken, then one
     * count of units done by (b, KV head), allocated by (b, h) since Δ, which zeroes them, has no H_KV.
     */
    public static long unitCounts(long batch, long heads) {
        return 1 + batch * heads;
    }

    /** The warp-specialized dK/dV kernel's units of one (b, KV head): its key blocks of {@code HOPPER_TILES.blockN()}. */
    public static int keyBlocks(int kvLen) {
        return (kvLen + HOPPER_TILES.blockN() - 1) / HOPPER_TILES.blockN();
    }

    /** {@link #sharedBytes(int, int, DqForm)} with DV = D. */
    public static int sharedBytes(int headDim, DqForm form) {
        return sharedBytes(headDim, headDim, form);
    }

    /**
     * Dynamic shared memory of the dK/dV and dQ kernels: six tiles of 64 rows (two fixed, two stages
     * of two) as wide as the larger of D and DV, padded; then the dK/dV kernel's two stages of LSE and Δ
     * (64 floats each); in the atomic form then the dK/dV kernel's dS^T tile (64 rows of 72 16-bit elements).
     */
    public static int sharedBytes(int headDim, int valueDim, DqForm form) {
        int base = 6 * TILES.blockM() * tileWidth(headDim, valueDim) * 2 + 4 * TILES.blockM() * Float.BYTES;
        return switch (form) {
            case ATOMIC -> base + TILES.blockM() * (TILES.blockN() + 8) * 2;
            case DETERMINISTIC -> base;
        };
    }

    /** The deterministic form (the dQ kernel's second pass): {@link #generate(Attention, Storage, int, DqForm)}. */
    public static CudaBackwardSource generate(Attention a, Storage storage, int headDim) {
        return generate(a, storage, headDim, DqForm.DETERMINISTIC);
    }

    /** The backward program in the given form of dQ ({@link DqForm}: atomics in the dK/dV kernel, or a second pass), on mma.sync. */
    public static CudaBackwardSource generate(Attention a, Storage storage, int headDim, DqForm form) {
        return generate(a, storage, headDim, form, false);
    }

    /**
     * The backward program in the given form of dQ, its kernels' products on Hopper's wgmma
     * (built for sm_90a; {@link #wgmmaFits} head dimensions only) or on mma.sync. Which is the target
     * policy's choice ({@code TargetPolicy.cudaBackward}).
     */
    public static CudaBackwardSource generate(Attention a, Storage storage, int headDim, DqForm form, boolean wgmma) {
        return generate(a, storage, headDim, headDim, form, wgmma);
    }

    /**
     * The backward program with value dimension {@code valueDim} (V's, O's, dO's and dV's rows; Q's,
     * K's, dQ's and dK's are {@code headDim}): on mma.sync only where they differ.
     */
    public static CudaBackwardSource generate(Attention a, Storage storage, int headDim, int valueDim, DqForm form, boolean wgmma) {
        return generate(a, storage, headDim, valueDim, form, wgmma ? Engine.WGMMA : Engine.MMA_SYNC);
    }

    /**
     * The backward program on an engine: {@link Engine#MMA_SYNC}, {@link Engine#WGMMA} (the same
     * FA2-style kernels with their products on wgmma) or {@link Engine#HOPPER} (the dK/dV kernel
     * warp-specialized, FlashAttention-3's: a TMA producer and two consumer warpgroups on 128 keys,
     * dQ through atomics only; {@link #wgmmaFits} head dimensions, DV = D). Which is the target
     * policy's choice ({@code TargetPolicy.cudaBackward}).
     */
    public static CudaBackwardSource generate(Attention a, Storage storage, int headDim, int valueDim, DqForm form, Engine engine) {
        return generate(a, storage, headDim, valueDim, form, engine, false);
    }

    /**
     * {@link #generate(Attention, Storage, int, int, DqForm, Engine)}, with {@code fastMath}: the variant's tanh on the
     * special-function unit (the forward's fast math; the build adds approximate division and flushes denormals).
     */
    public static CudaBackwardSource generate(Attention a, Storage storage, int headDim, int valueDim, DqForm form, Engine engine,
            boolean fastMath) {
        boolean wgmma = engine != Engine.MMA_SYNC, ws = engine == Engine.HOPPER;
        if (ws && form != DqForm.ATOMIC) throw new IllegalArgumentException("the warp-specialized backward adds dQ through atomics only");
        if (storage == Storage.F32) throw new IllegalArgumentException("the CUDA kernels read bf16 or fp16; convert fp32 tensors first");
        String why = unsupported(headDim, valueDim);
        if (why != null) throw new IllegalArgumentException(why);
        if (wgmma && !wgmmaFits(headDim)) throw new IllegalArgumentException("the backward's wgmma needs D a multiple of 64 up to 128, not " + headDim);
        if (wgmma && valueDim != headDim) {
            throw new IllegalArgumentException("the backward's wgmma takes DV = D only, not D = " + headDim + ", DV = " + valueDim);
        }
        Gradient g = Gradient.ofBackward(a);
        List<ParamArg> params = ParamArg.of(a);
        List<ParamArg> withGradient = params.stream().filter(p -> g.parameters().contains(p.name())).toList();
        boolean atomic = form == DqForm.ATOMIC;
        // the atomic form's Δ kernel also zeroes dQaccum, which the dK/dV kernel adds into
        KernelSignature delta = BackwardSignature.delta(false, atomic, ws);
        KernelSignature dkdv = ws ? BackwardSignature.dkdvWarpSpecialized(params, withGradient)
                : atomic ? BackwardSignature.dkdvWithDq(params, withGradient) : BackwardSignature.dkdv(params, false);
        KernelSignature reduce = BackwardSignature.reduce();
        // the atomic form's dK/dV kernel takes the pairs' parameter terms: it is the only one that sees the pairs
        // the warp-specialized kernel's fragments are keys by queries: a gradient read at kv − q is summed along their diagonals
        // (the warp-specialized kernel's positions: a thread's keys k0 + row0 + lane_row (+ 8), its queries q0 + 2 lane_col + ...)
        CudaBackwardBody keys = new CudaBackwardBody(a, Rows.KEYS, atomic, ws, !ws ? null
                : new AffineConversions.Positions("q0 + 2 * lane_col", "k0 + row0 + lane_row", "(ci / 2) * 8 + (ci & 1)", "(ri & 1) * 8"), fastMath);
        CudaBackwardBody queries = new CudaBackwardBody(a, Rows.QUERIES, true, false, null, fastMath);
        // after the warp-specialized kernel, dQ's conversion follows each (b, KV head)'s units as they end, not the whole
        // kernel; not where a gradient is summed along diagonals: measured 4 % (D = 128) and 6 % (D = 64) slower there on
        // the learned relative bias (docs/benchmarks.md, session 25), whose kernel is then the one before the follow
        boolean followsUnits = ws && keys.diagonalGradients.isEmpty();
        KernelSignature dq = atomic ? BackwardSignature.dqConvert(params, withGradient, followsUnits)
                : BackwardSignature.dq(params, withGradient, false);

        STGroup group = Templates.load(TEMPLATE);
        ST st = group.getInstanceOf("backward");
        st.add("storage", storage.word);
        st.add("headDim", headDim);
        CudaCodegen.addDimensions(st, TileWidths.BACKWARD_VALUE, headDim, valueDim, CudaBackwardSource.THREADS);
        st.add("isBf16", storage == Storage.BF16);
        st.add("identityScore", keys.identityScore ? "true" : "false");
        st.add("helpers", CHelpers.text(Dialect.CUDA));
        // attn_elem: the template's typedef of the storage type
        st.add("deltaParams", delta.declarations(Dialect.CUDA, "attn_elem"));
        // what Δ zeroes: what its signature takes (the runtime reads the same to leave out its memsets)
        st.add("deltaZeroes", delta.fixedNames().contains(BackwardSignature.DQ_ACCUM.name()));
        st.add("deltaZeroesUnits", delta.fixedNames().contains(BackwardSignature.DKDV_UNITS.name()));
        st.add("deltaTileStats", delta.fixedNames().contains(BackwardSignature.TILE_STATS_OUT.name()));
        st.add("dkdvParams", dkdv.declarations(Dialect.CUDA, "attn_elem"));
        st.add("dqParams", dq.declarations(Dialect.CUDA, "attn_elem"));
        // the conversion waits for each (b, KV head)'s units where its signature takes their counts
        st.add("convertFollowsUnits", dq.fixedNames().contains(BackwardSignature.DKDV_UNITS_IN.name()));
        st.add("reduceParams", reduce.declarations(Dialect.CUDA, "attn_elem"));
        // the warp-specialized kernel's pairs read LSE and Δ of their columns from the stage in shared memory
        String column = "(ci / 2) * 8 + 2 * lane_col + (ci & 1)";
        String keyColumnAxis = "const int q = min(q0 + " + column + ", Q_LEN - 1);";
        String keyRow = "const int kv_raw = k0 + row0 + (ri & 1) * 8 + lane_row;", queryColumn = "const int q_raw = q0 + " + column + ";";
        // the warp-specialized consumers compute a PARTIAL tile's column values once a warpgroup (sharedColumns), behind
        // a barrier of the group: not where a per-warp affine guard may send one warp of it down the FULL code instead
        boolean split = ws && keys.split;
        Map<String, Object> sharedColumns = ws && keys.affine.guard() == null ? sharedColumns(keys.partial.columns()) : null;
        String keyLse = ws ? "lse_st[" + column + "]" : "col_lse[ci]", keyDelta = ws ? "delta_st[" + column + "]" : "col_delta[ci]";
        String keyLive = atomic ? "row_live[ri]" : "true", keyInBoundsColumnAxis = "const int q = q0 + " + column + ";";
        Map<String, String> keyCode = new HashMap<>(kernel(group, keys, "const int kv = min(k0 + row0 + (ri & 1) * 8 + lane_row, KV_LEN - 1);",
                keyColumnAxis, keyRow, queryColumn, keyLse, keyDelta, keyLive, split ? null : sharedColumns));
        // the consumers' PARTIAL tiles inside both lengths get code of their own, the mask without the ends' clamps and
        // tests, where the score is the identity (never a split body): the mask is then all a PARTIAL tile adds, and a
        // third copy of a score's code cost registers (t5_bias spilled 972 -> 2256 bytes at D = 128)
        if (ws && keys.identityScore && keys.partial.maskValue() != null) {
            keyCode.put("maskedTiles", "true");
            keyCode.put("masked", pairs(group, keys, keys.partial, TileKind.MASKED, keyInBoundsColumnAxis, keyRow, queryColumn, keyLse,
                    keyDelta, keyLive, sharedColumns));
        }
        if (split) {
            keyCode.putAll(splitPairs(group, keys, keyColumnAxis, keyInBoundsColumnAxis, keyRow, queryColumn, keyLse,
                    "lds_after_wait(delta_st + " + column + ")", keyLive, sharedColumns));
        }
        if (keys.affine.guard() != null) {
            keyCode.put("affineDecls", String.join("\n", keys.affine.decls()));
            keyCode.put("affineGuard", keys.affine.guard());
        }
        st.add("keys", keyCode);
        st.add("queries", kernel(group, queries, "const int q = min(q0 + row0 + (ri & 1) * 8 + lane_row, Q_LEN - 1);",
                "const int kv = min(kv0 + (ci / 2) * 8 + 2 * lane_col + (ci & 1), KV_LEN - 1);",
                "const int q_raw = q0 + row0 + (ri & 1) * 8 + lane_row;", "const int kv_raw = kv0 + (ci / 2) * 8 + 2 * lane_col + (ci & 1);",
                "row_lse[ri]", "row_delta[ri]", "row_live[ri]", null));
        st.add("sink", queries.sink);
        st.add("sigmoid", queries.sigmoidBias);
        st.add("sinkTerms", queries.sinkTerms.isEmpty() ? null : queries.sinkTerms);
        st.add("accDecls", queries.accDecls);
        st.add("accFlush", queries.accFlush);
        st.add("atomicDq", atomic);
        st.add("keyAccDecls", keys.accDecls);
        st.add("keyAccFlush", keys.accFlush);
        st.add("wgmma", wgmma);
        // S^T, dP^T: m64 n64 (the query tile) k16; dV, dK: m64 nD k16; the atomic form's dQ: m64 nD k16 (warp-specialized:
        // n D/2 at D = 128, where each consumer takes half of dQ's columns), both operands transposed
        int dqN = ws && headDim >= 128 ? headDim / 2 : headDim;
        st.add("wgmmaOps", !wgmma ? null : CudaCodegen.wgmmaOps(TILES.blockN(), headDim, storage)
                + (atomic ? "\n" + CudaCodegen.wgmmaSs("wgmma_ss_tt", dqN, storage, true).strip() : ""));
        st.add("ws", ws);
        st.add("fastMath", fastMath);
        st.add("deltaRows", CudaBackwardSource.DELTA_ROWS);
        st.add("deltaLanes", deltaLanes(valueDim));
        st.add("wsStages", HOPPER_STAGES);
        st.add("wsSplit", split);
        // the warp-specialized kernel's second instance, atomic_params fixed, where a gradient summed along diagonals
        // has per-pair slot code (cuda_backward_hopper.stg says why; gradients summed in accumulators gained nothing
        // measurable from it: docs/benchmarks.md, session 16)
        boolean atomicSumsEntry = ws && !keys.diagonalGradients.isEmpty();
        st.add("wsAtomicSums", atomicSumsEntry);
        List<CudaBackwardBody.DiagonalGradient> diagonals = keys.diagonalGradients;
        int columnValues = sharedColumns == null ? 0 : keys.partial.columns().values().size();
        st.add("wsColumnValues", columnValues);
        int buffered = ws ? bufferedDiagonals(headDim, diagonals.size(), columnValues) : 0;
        st.add("wsDiagonals", diagonals.isEmpty() ? null
                : IntStream.range(0, diagonals.size()).mapToObj(i -> diagonal(diagonals.get(i), i < buffered ? i : -1, keyRow, queryColumn)).toList());
        st.add("wsDiagonalGrads", buffered);
        int kvBuffers = ws ? kvBuffers(headDim, buffered, columnValues) : 1;
        st.add("wsKvBuffers", kvBuffers);
        return new CudaBackwardSource(a.name(), st.render(), storage, headDim, ws ? HOPPER_TILES : TILES, form, delta, dkdv, dq, reduce,
                withGradient, ws ? hopperSharedBytes(headDim, buffered, columnValues, kvBuffers) : sharedBytes(headDim, valueDim, form),
                ws ? CudaBackwardSource.HOPPER_THREADS : CudaBackwardSource.THREADS, atomicSumsEntry);
    }

    /** One kernel's variant code: its head (per (b, h) and per fragment row), its PARTIAL and FULL tiles' pairs. */
    private static Map<String, String> kernel(STGroup group, CudaBackwardBody body, String rowAxis, String colAxis, String rowIndex,
            String colIndex, String lse, String delta, String live, Map<String, Object> sharedColumns) {
        ST head = group.getInstanceOf("head");
        head.add("prologue", body.prologue);
        head.add("rowAxis", rowAxis);
        head.add("decls", body.rowDecls);
        head.add("code", body.rowCode);
        head.add("stores", body.rowStores);
        return Map.of("head", head.render().strip(),
                "partial", pairs(group, body, body.partial, TileKind.RAGGED, colAxis, rowIndex, colIndex, lse, delta, live, sharedColumns),
                "full", pairs(group, body, body.full, TileKind.FULL, colAxis, rowIndex, colIndex, lse, delta, live, null));
    }

    /**
     * How a tile's pairs are printed: FULL (the mask keeps every pair; positions clamped, as the dQ kernel's FULL tiles
     * may hold rows past Q_LEN), MASKED (a PARTIAL tile of the warp-specialized consumers that crosses no end: the mask
     * alone, positions as they are; a sliding window's backward at D = 64 ran 7 % faster with it, docs/benchmarks.md,
     * session 20), RAGGED (a PARTIAL tile, or one that crosses an end: positions clamped into range, pairs past an end
     * dropped, and the mask).
     */
    enum TileKind {
        FULL, MASKED, RAGGED;

        boolean ragged() {
            return this == RAGGED;
        }
    }

    /**
     * The warp-specialized kernel's pairs in two passes ({@link CudaBackwardBody#split}): P of a PARTIAL and of a
     * FULL tile ({@code partialP}, {@code fullP}), then their dS ({@code partialDs}, {@code fullDs}). A FULL tile
     * lies inside both lengths, so its positions are not clamped ({@code fullColAxis}: its column's q as is, where
     * {@code colAxis} clamps it). Δ is read after dP^T's wait ({@code delta}: cuda_backward_hopper.stg's lds_after_wait).
     */
    private static Map<String, String> splitPairs(STGroup group, CudaBackwardBody body, String colAxis, String fullColAxis, String rowIndex,
            String colIndex, String lse, String delta, String live, Map<String, Object> sharedColumns) {
        Map<String, String> out = new HashMap<>();
        for (TileKind kind : List.of(TileKind.RAGGED, TileKind.FULL)) { // a split body's score is not the identity: no MASKED code
            CudaBackwardBody.Tile tile = kind.ragged() ? body.partial : body.full;
            String axis = kind.ragged() ? colAxis : fullColAxis;
            ST p = positions(group.getInstanceOf("pairsP"), tile.columns(), axis, rowIndex, colIndex);
            p.add("clamp", kind.ragged());
            if (kind.ragged()) p.add("shared", sharedColumns);
            p.add("lines", tile.scoreLines());
            scoreAndP(p, body, tile, kind, lse);
            ST d = positions(group.getInstanceOf("pairsDs"), tile.gradColumns(), axis, rowIndex, colIndex);
            d.add("clamp", kind.ragged());
            d.add("lines", tile.gradLines());
            d.add("sigmoid", body.sigmoidBias);
            dsAndTerms(d, body, delta, live);
            String name = kind.ragged() ? "partial" : "full";
            out.put(name + "P", p.render().strip());
            out.put(name + "Ds", d.render().strip());
        }
        return out;
    }

    /**
     * A gradient summed along diagonals, as the consumer template's diagonalFlush and diagonalReduce read it: its
     * buffer (none where {@code buffer} < 0: each chain's own atomic), and the positions of a fragment element
     * (rowIndex, colIndex).
     */
    private static Map<String, Object> diagonal(CudaBackwardBody.DiagonalGradient g, int buffer, String rowIndex, String colIndex) {
        Map<String, Object> m = new HashMap<>(Map.of("gradient", g.gradient(), "lines", g.lines(), "index", g.index(), "rowIndex", rowIndex,
                "colIndex", colIndex));
        if (buffer >= 0) m.put("buffer", buffer);
        if (g.accumulator() != null) m.put("accumulator", g.accumulator()); // none: the sums are read from dS
        return m;
    }

    private static String pairs(STGroup group, CudaBackwardBody body, CudaBackwardBody.Tile tile, TileKind kind, String colAxis,
            String rowIndex, String colIndex, String lse, String delta, String live, Map<String, Object> sharedColumns) {
        ST st = positions(group.getInstanceOf("pairs"), tile.columns(), colAxis, rowIndex, colIndex);
        st.add("shared", sharedColumns);
        st.add("clamp", kind != TileKind.MASKED);
        st.add("lines", tile.lines());
        scoreAndP(st, body, tile, kind, lse);
        dsAndTerms(st, body, delta, live);
        return st.render().strip();
    }

    /** A pairs template's column loop and element positions. */
    private static ST positions(ST st, CudaBackwardBody.Columns columns, String colAxis, String rowIndex, String colIndex) {
        st.add("colAxis", colAxis);
        st.add("colDecls", columns.decls());
        st.add("colCode", columns.code());
        st.add("colStores", columns.stores());
        st.add("rowIndex", rowIndex);
        st.add("colIndex", colIndex);
        return st;
    }

    /** What P reads: the score, the mask on PARTIAL tiles, the LSE, a sigmoid's bias. */
    private static void scoreAndP(ST st, CudaBackwardBody body, CudaBackwardBody.Tile tile, TileKind kind, String lse) {
        st.add("scoreValue", tile.scoreValue());
        st.add("guard", kind.ragged());
        st.add("maskValue", tile.maskValue());
        st.add("lse", lse);
        st.add("sigmoid", body.sigmoidBias);
    }

    /** What dS and the parameters' terms read: Δ, ∂s/∂s0, the terms, the rows' liveness. */
    private static void dsAndTerms(ST st, CudaBackwardBody body, String delta, String live) {
        st.add("delta", delta);
        st.add("dScore", body.dScore);
        st.add("paramTerms", body.paramTerms.isEmpty() ? null : body.paramTerms);
        st.add("live", live);
    }
}
