package dev.attnc.compiler.codegen.cuda;

import dev.attnc.compiler.codegen.KernelSignature;
import dev.attnc.compiler.codegen.Placement;
import dev.attnc.compiler.codegen.c.CHelpers;
import dev.attnc.compiler.codegen.c.Dialect;
import dev.attnc.compiler.codegen.c.ParamArg;
import dev.attnc.compiler.codegen.c.Storage;
import dev.attnc.compiler.codegen.c.Templates;
import dev.attnc.compiler.ir.Attention;
import org.stringtemplate.v4.ST;
import org.stringtemplate.v4.STGroup;

/**
 * IR → the CUDA decode program ({@code dev/attnc/templates/cuda_decode.stg}): split-KV over the block
 * plan's kept key tiles with the query heads of one KV head packed into a block's rows, for calls
 * with a few query rows (the target policy decides when). The variant's code is {@link CudaBody}'s
 * over {@link Placement#packedHeads}, so values fixed per (b, h) are computed per row.
 */
public final class CudaDecodeCodegen {
    private static final String TEMPLATE = "dev/attnc/templates/cuda_decode.stg";
    /** The warps of a block (each streams its own chunks of 16 keys) and the keys of a chunk. */
    static final int WARPS = 4, CHUNK = 16;

    private CudaDecodeCodegen() {}

    /** Why the decode program cannot be built for this head dimension and plan tile, or null. */
    public static String unsupported(int headDim, int blockN) {
        return unsupported(headDim, headDim, blockN);
    }

    /** Why the decode program cannot be built for these key and value dimensions and plan tile, or null. */
    public static String unsupported(int headDim, int valueDim, int blockN) {
        String why = TileWidths.DECODE.unsupported(headDim);
        if (why == null && valueDim != headDim) why = TileWidths.DECODE.unsupported(valueDim);
        if (why != null) return why;
        if (blockN % (WARPS * CHUNK) != 0) return "the CUDA decode kernel walks plan tiles of a multiple of 64 keys, not " + blockN;
        return null;
    }

    /** {@link #sharedBytes(int, int, int)} with DV = D. */
    public static int sharedBytes(int headDim, int stages) {
        return sharedBytes(headDim, headDim, stages);
    }

    /**
     * Dynamic shared memory: the Q tile, each warp's ring of K and V chunks, the warps' row maxima and
     * sums; every tile as wide as the padded larger of D and DV.
     */
    public static int sharedBytes(int headDim, int valueDim, int stages) {
        int width = TileWidths.DECODE.of(Math.max(headDim, valueDim), WARPS * 32);
        return (CudaDecodeSource.ROWS + WARPS * stages * 2 * CHUNK) * width * 2 + 2 * WARPS * CudaDecodeSource.ROWS * Float.BYTES;
    }

    /** {@link #generate(Attention, Storage, int, int, int, int, boolean)} with DV = D. */
    public static CudaDecodeSource generate(Attention a, Storage storage, int headDim, int blockN, int stages, boolean fastMath) {
        return generate(a, storage, headDim, headDim, blockN, stages, fastMath);
    }

    /**
     * The program at head dimension D ({@code headDim}: Q's and K's rows) and value dimension DV
     * ({@code valueDim}: V's and O's rows); with DV ≠ D the tiles are padded for one of them at
     * least, K and V chunks loaded over their own widths, O's rows DV long.
     */
    public static CudaDecodeSource generate(Attention a, Storage storage, int headDim, int valueDim, int blockN, int stages, boolean fastMath) {
        return generate(a, storage, headDim, valueDim, blockN, 0, stages, fastMath);
    }

    /**
     * The program for a call whose rows reach past the block plan's first row of query tiles
     * ({@code planQueryTile}: the plan's BLOCK_M, a multiple of 16): each block walks the kept key
     * tiles of the plan row its first query row lies in, and past 65535 blocks the grid goes on in z.
     * With 0 every row lies in the first plan row and the text is the one above.
     */
    public static CudaDecodeSource generate(Attention a, Storage storage, int headDim, int valueDim, int blockN, int planQueryTile, int stages,
            boolean fastMath) {
        if (planQueryTile % CudaDecodeSource.ROWS != 0) throw new IllegalArgumentException("plan query tiles of " + planQueryTile + " rows");
        if (storage == Storage.F32) throw new IllegalArgumentException("the CUDA kernels read bf16 or fp16; convert fp32 tensors first");
        String why = unsupported(headDim, valueDim, blockN);
        if (why != null) throw new IllegalArgumentException(why);
        if (stages < 2) throw new IllegalArgumentException("stages " + stages);
        CudaBody body = new CudaBody(a, Placement.packedHeads(a), fastMath);
        KernelSignature decode = KernelSignature.decode(ParamArg.of(a));
        KernelSignature combine = KernelSignature.SPLIT_KV_COMBINE;
        STGroup group = Templates.load(TEMPLATE);
        ST st = group.getInstanceOf("decode");
        String rowIndex = "const int q = row_q[ri], h = row_h[ri];\n(void)q; (void)h;";
        st.add("name", dev.attnc.compiler.codegen.c.Names.sanitize(a.name()));
        st.add("storage", storage.word);
        st.add("headDim", headDim);
        CudaCodegen.addDimensions(st, TileWidths.DECODE, headDim, valueDim, WARPS * 32);
        st.add("blockN", blockN);
        if (planQueryTile > 0) st.add("blockM", planQueryTile);
        st.add("stages", stages);
        st.add("isBf16", storage == Storage.BF16);
        st.add("identityScore", body.identityScore ? "true" : "false");
        st.add("fastMath", fastMath);
        st.add("helpers", CHelpers.text(Dialect.CUDA));
        st.add("entry", CudaDecodeSource.DECODE);
        st.add("combineEntry", CudaDecodeSource.COMBINE);
        st.add("params", decode.declarations(Dialect.CUDA, "attn_elem"));
        st.add("combineParams", combine.declarations(Dialect.CUDA, "attn_elem"));
        st.add("prologue", body.prologue);
        st.add("rowDecls", body.rowDecls);
        st.add("rowCode", body.rowCode);
        st.add("rowStores", body.rowStores);
        st.add("rowIndex", rowIndex);
        st.add("full", CudaCodegen.elements(group, body, body.full, false, rowIndex));
        st.add("partial", CudaCodegen.elements(group, body, body.partial, true, rowIndex));
        st.add("sink", body.sink);
        st.add("sigmoid", body.sigmoidBias);
        return new CudaDecodeSource(a.name(), st.render(), storage, headDim, blockN, stages, decode, combine, sharedBytes(headDim, valueDim, stages));
    }
}
