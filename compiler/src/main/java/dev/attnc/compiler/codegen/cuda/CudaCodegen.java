package dev.attnc.compiler.codegen.cuda;

import dev.attnc.compiler.codegen.KernelSignature;
import dev.attnc.compiler.codegen.c.CHelpers;
import dev.attnc.compiler.codegen.c.Dialect;
import dev.attnc.compiler.codegen.c.Names;
import dev.attnc.compiler.codegen.c.ParamArg;
import dev.attnc.compiler.codegen.c.Storage;
import dev.attnc.compiler.codegen.c.Templates;
import dev.attnc.compiler.ir.Attention;
import dev.attnc.compiler.plan.TilePlan;
import java.util.List;
import org.stringtemplate.v4.ST;
import org.stringtemplate.v4.STGroup;

/**
 * IR → CUDA C++ for NVRTC: the attention's code placed by {@link CudaBody} (shared C printer,
 * CUDA dialect) into the tensor-core kernel of {@code dev/attnc/templates/cuda.stg}
 * (FlashAttention-2's forward loop on {@code mma.sync.m16n8k16}, sm_80 and later).
 * <p>
 * Storage is bf16 or fp16 (the tensor cores' inputs); fp32 tensors are the runtime's business
 * (the CUDA backend converts them to bf16 on upload). Head dimensions: multiples of 8 from 16 to
 * 256, padded inside the kernel to the tile widths of {@link TileWidths#FORWARD} (the Hopper engine:
 * to whole 64-column TMA boxes, from D = 64 on; the FA2 loop on wgmma: unpadded ones only). The tile
 * plan's warps each own {@code blockM / warps} query rows, a multiple of 16.
 */
public final class CudaCodegen {
    private static final String TEMPLATE = "dev/attnc/templates/cuda.stg";
    private static final String HOPPER_TEMPLATE = "dev/attnc/templates/cuda_hopper.stg";

    private CudaCodegen() {}

    /** Why this head dimension / tile plan cannot be compiled, or null when it can. */
    public static String unsupported(int headDim, TilePlan tiles) {
        String why = TileWidths.FORWARD.unsupported(headDim);
        if (why != null) return why;
        if (tiles.blockN() % 16 != 0 || tiles.blockN() < 16) return "BLOCK_N must be a multiple of 16: " + tiles.describe();
        if (tiles.blockM() % (16 * tiles.warps()) != 0) {
            return "BLOCK_M must be a multiple of 16 rows per warp: " + tiles.describe();
        }
        return null;
    }

    /** Whether the wgmma variant can run this tile plan: warpgroups of 4 warps, 16 rows a warp, D a multiple of 64, tiles unpadded. */
    public static boolean wgmmaFits(int headDim, TilePlan tiles) {
        return tiles.blockM() == 16 * tiles.warps() && tiles.warps() % 4 == 0 && TileWidths.wgmma(headDim) && tiles.blockN() <= 256
                && unsupported(headDim, tiles) == null && !TileWidths.FORWARD.padded(headDim, tiles.warps() * 32);
    }

    /** Dynamic shared memory of a kernel: a Q tile and two stages of K and V tiles, 16-bit elements, as wide as the padded D. */
    public static int sharedBytes(int headDim, TilePlan tiles) {
        return sharedBytes(headDim, headDim, tiles);
    }

    /** {@link #sharedBytes(int, TilePlan)} with value dimension {@code valueDim}: every tile as wide as the padded larger of D and DV. */
    public static int sharedBytes(int headDim, int valueDim, TilePlan tiles) {
        return (tiles.blockM() + 4 * tiles.blockN()) * TileWidths.FORWARD.of(Math.max(headDim, valueDim), tiles.warps() * 32) * 2;
    }

    /**
     * Why the mma.sync forward cannot take value dimension {@code valueDim} beside {@code headDim},
     * or null: DV is a head dimension of its own (a multiple of 8 from 16 to 256). The FA2 loop on
     * wgmma takes DV = D only; the Hopper engine's limits are {@link #unsupportedOnHopper}.
     */
    public static String unsupportedValueDim(int headDim, int valueDim) {
        if (valueDim == headDim) return null;
        String why = TileWidths.FORWARD.unsupported(valueDim);
        return why == null ? null : "value dimension DV: " + why;
    }

    /** Which kernel skeleton carries the variant's code. */
    public enum Engine {
        /** FlashAttention-2's loop on {@code mma.sync} (sm_80 and later); {@code cuda.stg}. */
        MMA_SYNC,
        /** The same loop with both products on Hopper's {@code wgmma} (sm_90a); {@code cuda.stg}. */
        WGMMA,
        /**
         * FlashAttention-3's schedule (sm_90a): a TMA producer warpgroup, consumer warpgroups on
         * {@code wgmma} with setmaxnreg, an mbarrier ring, intra-warpgroup overlap, ping-pong and a
         * persistent grid; {@code cuda_hopper.stg}.
         */
        HOPPER
    }

    /**
     * The overlaps of the Hopper engine, each of which can be turned off to measure what it buys.
     *
     * @param overlap issue S(j) and O += P(j-1) V(j-1) together and run the softmax of tile j under
     *     the second (FA3's intra-warpgroup overlap); off: S, softmax, then P V, one after another
     * @param pingpong named barriers hand the tensor cores from one consumer warpgroup to the next
     * @param persistent one block per SM, each taking the next item of the tile order from a global
     *     counter (dynamic scheduling); off: one block per item
     * @param l2Sections the runtime orders tiles in sections of heads whose K and V fit in L2
     *     (TileOrder); off: longest first over all heads at once
     */
    public record Schedule(boolean overlap, boolean pingpong, boolean persistent, boolean l2Sections) {
        public static final Schedule ALL = new Schedule(true, true, true, true);

        /** This schedule with the sequential S, softmax, P V loop: ~32 fewer registers. */
        public Schedule sequential() {
            return new Schedule(false, pingpong, persistent, l2Sections);
        }
    }

    /**
     * Choices that do not change what a kernel computes.
     *
     * @param fastMath the variant's own math through the fast paths: {@code __expf}, {@code __logf},
     *     {@code tanh.approx}, a division by a per-(b, h) value as a multiply by its reciprocal (and
     *     NVRTC's {@code --prec-div=false --ftz=true}); none of them changes a result at ±inf. The
     *     softmax always uses {@code ex2.approx} (exact at -inf, which is all the guards need)
     * @param minBlocks blocks per SM that {@code __launch_bounds__} asks registers for (1: up to
     *     255 registers a thread); the Hopper engine always runs one block per SM
     * @param qInRegs keep the Q tile's fragments in registers (mma.sync with one m16 tile per warp)
     * @param engine the kernel skeleton; both wgmma engines need NVRTC to target {@code sm_90a}
     * @param stages K/V ring depth of the Hopper engine (2 or more; ignored by the others)
     * @param schedule the Hopper engine's overlaps (all on by default; off for measurements)
     */
    public record Options(boolean fastMath, int minBlocks, boolean qInRegs, Engine engine, int stages, Schedule schedule) {
        public Options {
            if (minBlocks < 1) throw new IllegalArgumentException("minBlocks " + minBlocks);
            if (stages < 2) throw new IllegalArgumentException("stages " + stages);
        }

        public Options withMinBlocks(int n) {
            return new Options(fastMath, n, qInRegs, engine, stages, schedule);
        }

        public Options withSchedule(Schedule s) {
            return new Options(fastMath, minBlocks, qInRegs, engine, stages, s);
        }

        /** Whether the kernel uses wgmma (sm_90a). */
        public boolean wgmma() {
            return engine != Engine.MMA_SYNC;
        }

        /** The old FA2 loop with wgmma products (Q stays in shared memory). */
        public static Options wgmma(int headDim, TilePlan tiles) {
            Options d = defaults(headDim, tiles);
            return new Options(d.fastMath(), d.minBlocks(), false, Engine.WGMMA, 2, Schedule.ALL);
        }

        /** The warp-specialized Hopper kernel with a ring of {@code stages} K and V tiles. */
        public static Options hopper(int stages) {
            return new Options(true, 1, false, Engine.HOPPER, stages, Schedule.ALL);
        }

        /** What the measurements in docs/cuda-notes.md chose for mma.sync at this head dimension and tile plan. */
        public static Options defaults(int headDim, TilePlan tiles) {
            int mTiles = tiles.blockM() / (16 * tiles.warps());
            boolean qInRegs = mTiles == 1 && headDim <= 128;
            int minBlocks = mTiles == 1 && tiles.warps() <= 4 ? 2 : 1;
            return new Options(true, minBlocks, qInRegs, Engine.MMA_SYNC, 2, Schedule.ALL);
        }
    }

    /** The Hopper engine's smallest head dimension: a TMA box of 64 columns is no wider than the tensor's rows. */
    public static final int HOPPER_MIN_DIM = 64;

    /**
     * Why the Hopper engine cannot take head dimension {@code headDim} with value dimension
     * {@code valueDim}, or null: each a multiple of 8 from {@link #HOPPER_MIN_DIM} to 256. The kernel
     * pads each to whole 64-column TMA boxes ({@link TileWidths#hopper}); smaller D run on mma.sync.
     */
    public static String unsupportedOnHopper(int headDim, int valueDim) {
        for (int d : new int[] {headDim, valueDim}) {
            if (d < HOPPER_MIN_DIM || d % TileWidths.STEP != 0 || d > 256) {
                return "the Hopper kernel takes head and value dimensions that are multiples of " + TileWidths.STEP + " from "
                        + HOPPER_MIN_DIM + " to 256, not D = " + headDim + ", DV = " + valueDim;
            }
        }
        return null;
    }

    /**
     * Whether the Hopper engine can run this plan: one to three consumer warpgroups of 64 rows
     * (warps = BLOCK_M / 16, the producer warpgroup comes on top), D a multiple of 8 from 64 to 256.
     */
    public static boolean hopperFits(int headDim, TilePlan tiles) {
        return hopperFits(headDim, headDim, tiles);
    }

    /** {@link #hopperFits(int, TilePlan)} with value dimension {@code valueDim}. */
    public static boolean hopperFits(int headDim, int valueDim, TilePlan tiles) {
        return tiles.blockM() % 64 == 0 && tiles.blockM() <= 192 && tiles.warps() * 16 == tiles.blockM()
                && unsupportedOnHopper(headDim, valueDim) == null && tiles.blockN() <= 256 && unsupported(headDim, tiles) == null;
    }

    /** Dynamic shared memory of a Hopper kernel: Q, the K and V rings, the mbarriers and work-item slots, 1024 bytes of alignment. */
    public static int hopperSharedBytes(int headDim, TilePlan tiles, int stages) {
        return hopperSharedBytes(headDim, headDim, tiles, stages);
    }

    /** {@link #hopperSharedBytes(int, TilePlan, int)} with V's tiles as wide as DV padded, Q's and K's as D padded. */
    public static int hopperSharedBytes(int headDim, int valueDim, TilePlan tiles, int stages) {
        int dp = TileWidths.hopper(headDim), dvp = TileWidths.hopper(valueDim);
        return (tiles.blockM() * dp + stages * tiles.blockN() * (dp + dvp)) * 2 + 1024 + 8 * (2 + 4 * stages + 4) + 32;
    }

    /**
     * The kernel for these options. Which options a request gets is the target policy's business
     * ({@code dev.attnc.compiler.target.TargetPolicy}): there is deliberately no default here.
     */
    public static CudaKernelSource generate(Attention a, Storage storage, int headDim, TilePlan tiles, Options options) {
        return generate(a, storage, headDim, headDim, tiles, options);
    }

    /**
     * A kernel template's dimensions: {@code tileDim} (the shared tiles' width, the padded larger of D
     * and DV), {@code padded}, and with DV != D {@code valueDim} and {@code vdim} (O's and V's row length,
     * VALUE_DIM instead of HEAD_DIM); with DV != D the tiles are padded for one of them at least.
     */
    static void addDimensions(ST st, TileWidths widths, int headDim, int valueDim, int threads) {
        boolean apart = valueDim != headDim;
        st.add("tileDim", widths.of(Math.max(headDim, valueDim), threads));
        st.add("padded", apart || widths.padded(headDim, threads));
        st.add("valueDim", apart ? valueDim : null);
        st.add("vdim", apart ? "VALUE_DIM" : "HEAD_DIM");
    }

    /**
     * The kernel with value dimension {@code valueDim} (V's and O's rows) beside D: on mma.sync every
     * shared tile as wide as the padded larger of the two, Q K^T over D's k16 steps and P V over DV's
     * n8 tiles; on the Hopper engine V's ring as wide as DV padded to whole TMA boxes; the FA2 loop on
     * wgmma takes DV = D only. For DV = D the text is the one of D alone.
     */
    public static CudaKernelSource generate(Attention a, Storage storage, int headDim, int valueDim, TilePlan tiles, Options options) {
        return generate(a, storage, headDim, valueDim, tiles, options, false);
    }

    /**
     * Why a kernel of these options cannot read strided views through {@link KernelSignature#STRIDED_QKVO},
     * or null: the FA2 loop on wgmma reads dense tensors only (the Hopper engine takes any layout through
     * its tensor maps, and writes O dense).
     */
    public static String unsupportedStrided(Options options) {
        return options.engine() == Engine.WGMMA ? "the FA2 loop on wgmma (-Dattnc.cuda.wgmma) reads dense Q, K, V and O only" : null;
    }

    /**
     * The kernel, with {@code strided}: mma.sync reads Q, K, V and writes O through their layouts
     * ({@link KernelSignature#STRIDED_QKVO}, bound by name: a [B,S,H,D] view or a slice of a packed
     * QKV in place); the Hopper kernel needs no such form (its tensor maps carry the strides), so
     * {@code strided} leaves its text alone. Dense ({@code strided} false): the text of dense tensors.
     */
    public static CudaKernelSource generate(Attention a, Storage storage, int headDim, int valueDim, TilePlan tiles, Options options,
            boolean strided) {
        if (strided && unsupportedStrided(options) != null) throw new IllegalArgumentException(unsupportedStrided(options));
        if (storage == Storage.F32) {
            throw new IllegalArgumentException("the CUDA kernels read bf16 or fp16; convert fp32 tensors first");
        }
        String why = unsupported(headDim, tiles);
        if (why == null) why = unsupportedValueDim(headDim, valueDim);
        if (why != null) throw new IllegalArgumentException(why);
        int mTiles = tiles.blockM() / (16 * tiles.warps());
        if (options.qInRegs() && mTiles != 1) throw new IllegalArgumentException("Q in registers needs one m16 tile per warp");
        if (options.engine() == Engine.HOPPER) return hopper(a, storage, headDim, valueDim, tiles, options);
        if (valueDim != headDim && options.wgmma()) {
            throw new IllegalArgumentException("the FA2 loop on wgmma takes DV = D only, not D = " + headDim + ", DV = " + valueDim);
        }
        if (options.wgmma() && !wgmmaFits(headDim, tiles)) {
            throw new IllegalArgumentException("the FA2 loop on wgmma needs warpgroups of 4 warps with 16 rows each and D a multiple of 64: "
                    + tiles.describe() + ", D = " + headDim);
        }
        KernelSignature signature = KernelSignature.forward(KernelSignature.POINTER_INPUTS, List.of(),
                strided ? KernelSignature.STRIDED_QKVO : List.of(), ParamArg.of(a));
        int threads = tiles.warps() * 32;
        boolean apart = valueDim != headDim;
        return render(TEMPLATE, "kernel", a, signature, storage, headDim, headDim, tiles, options, threads, sharedBytes(headDim, valueDim, tiles), st -> {
            st.add("warps", tiles.warps());
            st.add("mTiles", mTiles);
            st.add("minBlocks", options.minBlocks());
            st.add("qInRegs", options.qInRegs() ? "true" : "false");
            st.add("wgmma", options.wgmma());
            addDimensions(st, TileWidths.FORWARD, headDim, valueDim, threads);
            st.add("vload", apart ? ", VALUE_DIM, DT" : "");
            st.add("strided", strided);
        });
    }

    /**
     * The warp-specialized Hopper kernel ({@code cuda_hopper.stg}): {@code tiles.warps()} consumer
     * warps plus a producer warpgroup; launched with three tensor maps over a longest-first tile
     * order (one block per SM taking items from a counter, or one block per item). D and DV are
     * padded inside the kernel to whole 64-column TMA boxes (the maps keep the tensors' own row
     * lengths, so the boxes' columns past D or DV land as zeros); for D = DV, a multiple of 64,
     * nothing of this is printed.
     */
    private static CudaKernelSource hopper(Attention a, Storage storage, int headDim, int valueDim, TilePlan tiles, Options options) {
        String why = unsupportedOnHopper(headDim, valueDim);
        if (why != null) throw new IllegalArgumentException(why);
        if (!hopperFits(headDim, valueDim, tiles)) {
            throw new IllegalArgumentException("the Hopper kernel needs 1 to 3 consumer warpgroups of 64 rows (warps = BLOCK_M / 16) "
                    + "and at most 256 keys a tile: " + tiles.describe());
        }
        int dp = TileWidths.hopper(headDim), dvp = TileWidths.hopper(valueDim);
        boolean padded = dp != headDim || valueDim != headDim;
        KernelSignature signature = KernelSignature.forward(KernelSignature.TENSOR_MAP_INPUTS,
                KernelSignature.PERSISTENT_SCHEDULE, ParamArg.of(a));
        return render(HOPPER_TEMPLATE, "hopperKernel", a, signature, storage, headDim, dvp, tiles, options, tiles.warps() * 32 + 128,
                hopperSharedBytes(headDim, valueDim, tiles, options.stages()), st -> {
                    st.add("stages", options.stages());
                    st.add("overlap", options.schedule().overlap());
                    st.add("pingpong", options.schedule().pingpong());
                    st.add("padded", padded);
                    st.add("tileDim", dp);
                    st.add("valueTileDim", dvp);
                    st.add("valueDim", valueDim != headDim ? valueDim : null);
                    st.add("vdim", valueDim != headDim ? "VALUE_DIM" : "HEAD_DIM");
                });
    }

    /**
     * Fills a kernel skeleton: what both skeletons take (sizes, storage, the wgmma shapes, the
     * variant's code at each dependence level, the parameter list printed from {@code signature}),
     * then the skeleton's own attributes. {@code pvWidth}: the n of the wgmma O += P V (O's columns).
     */
    private static CudaKernelSource render(String template, String instance, Attention a, KernelSignature signature,
            Storage storage, int headDim, int pvWidth,
            TilePlan tiles, Options options, int threads, int sharedBytes, java.util.function.Consumer<ST> skeleton) {
        CudaBody body = new CudaBody(a, options.fastMath());
        String entry = "attnc_" + Names.sanitize(a.name());
        STGroup group = Templates.load(template);
        ST st = group.getInstanceOf(instance);
        st.add("name", Names.sanitize(a.name()));
        st.add("storage", storage.word);
        st.add("headDim", headDim);
        st.add("blockM", tiles.blockM());
        st.add("blockN", tiles.blockN());
        st.add("isBf16", storage == Storage.BF16);
        st.add("identityScore", body.identityScore ? "true" : "false");
        st.add("fastMath", options.fastMath());
        st.add("wgmmaOps", options.wgmma() ? wgmmaOps(tiles.blockN(), pvWidth, storage) : null);
        st.add("helpers", CHelpers.text(Dialect.CUDA));
        st.add("entry", entry);
        // attn_elem: the templates' typedef of the storage type
        st.add("params", signature.declarations(Dialect.CUDA, "attn_elem"));
        st.add("prologue", body.prologue);
        st.add("rowDecls", body.rowDecls);
        st.add("rowCode", body.rowCode);
        st.add("rowStores", body.rowStores);
        st.add("full", elements(group, body, body.full, false, null));
        st.add("partial", elements(group, body, body.partial, true, null));
        st.add("sink", body.sink);
        st.add("sigmoid", body.sigmoidBias);
        skeleton.accept(st);
        return new CudaKernelSource(a.name(), st.render(), entry, storage, headDim, tiles, options, signature, threads, sharedBytes);
    }

    /** One kind of tile's element code; {@code rowIndex}: how q and h of row ri are declared (null: the forward's rows). */
    static String elements(STGroup group, CudaBody body, CudaBody.Tile tile, boolean partial, String rowIndex) {
        if (!partial && body.identityScore) return "// identity score, no mask: nothing to do";
        ST st = group.getInstanceOf("elements");
        st.add("colDecls", tile.colDecls());
        st.add("colCode", tile.colCode());
        st.add("colStores", tile.colStores());
        st.add("needQ", tile.needQ());
        st.add("needKv", tile.needKv() || partial);
        st.add("score", !body.identityScore);
        st.add("scoreLines", tile.scoreLines());
        st.add("scoreValue", tile.scoreValue());
        st.add("mask", partial && body.hasMask);
        st.add("maskLines", tile.maskLines());
        st.add("maskValue", tile.maskValue());
        st.add("guard", partial);
        st.add("rowIndex", rowIndex);
        // indent the block to the kernel's level
        return st.render().strip();
    }

    /**
     * The two wgmma shapes a kernel uses, as inline PTX: S += Q K^T (m64 n BLOCK_N k16, both
     * operands from shared memory) and O += P V (m64 n D k16, P from registers, V transposed).
     */
    static String wgmmaOps(int n, int d, Storage storage) {
        String t = storage == Storage.BF16 ? "bf16" : "f16";
        StringBuilder out = new StringBuilder(wgmmaSs("wgmma_ss", n, storage, false));
        int r = d / 2;
        out.append("__device__ __forceinline__ void wgmma_rs_tb(float* d, const unsigned (&a)[4], unsigned long long db) {\n")
                .append("    asm volatile(\"{\\n.reg .pred p;\\nsetp.ne.b32 p, %").append(r + 5).append(", 0;\\n\"\n")
                .append("        \"wgmma.mma_async.sync.aligned.m64n").append(d).append("k16.f32.").append(t).append('.').append(t)
                .append(" {").append(regs(0, r)).append("}, {%").append(r).append(", %").append(r + 1).append(", %").append(r + 2)
                .append(", %").append(r + 3).append("}, %").append(r + 4).append(", p, 1, 1, 1;\\n}\\n\"\n        : ").append(outs(r))
                .append("\n        : \"r\"(a[0]), \"r\"(a[1]), \"r\"(a[2]), \"r\"(a[3]), \"l\"(db), \"r\"(1));\n}");
        return out.toString();
    }

    /**
     * D (+)= A B as wgmma ss m64 n k16 (both operands from shared memory), inline PTX named {@code name}:
     * A and B K-major, or with {@code transposed} both MN-major (A stored [k][m], B [k][n]).
     */
    static String wgmmaSs(String name, int n, Storage storage, boolean transposed) {
        String t = storage == Storage.BF16 ? "bf16" : "f16";
        int r = n / 2;
        return new StringBuilder("__device__ __forceinline__ void ").append(name)
                .append("(float* d, unsigned long long da, unsigned long long db, int scale_d) {\n")
                .append("    asm volatile(\"{\\n.reg .pred p;\\nsetp.ne.b32 p, %").append(r + 2).append(", 0;\\n\"\n")
                .append("        \"wgmma.mma_async.sync.aligned.m64n").append(n).append("k16.f32.").append(t).append('.').append(t)
                .append(" {").append(regs(0, r)).append("}, %").append(r).append(", %").append(r + 1)
                .append(transposed ? ", p, 1, 1, 1, 1;" : ", p, 1, 1, 0, 0;")
                .append("\\n}\\n\"\n        : ").append(outs(r)).append("\n        : \"l\"(da), \"l\"(db), \"r\"(scale_d));\n}\n").toString();
    }

    private static String regs(int from, int n) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < n; i++) b.append(i > 0 ? ", " : "").append('%').append(from + i);
        return b.toString();
    }

    private static String outs(int n) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < n; i++) b.append(i > 0 ? ", " : "").append("\"+f\"(d[").append(i).append("])");
        return b.toString();
    }
}
