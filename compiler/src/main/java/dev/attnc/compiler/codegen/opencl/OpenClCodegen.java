package dev.attnc.compiler.codegen.opencl;

import dev.attnc.compiler.codegen.KernelSignature;
import dev.attnc.compiler.codegen.c.CHelpers;
import dev.attnc.compiler.codegen.c.Dialect;
import dev.attnc.compiler.codegen.c.KernelBody;
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
 * IR → OpenCL C: the attention's code printed by {@link KernelBody} (C printer, OpenCL dialect)
 * into the kernel skeleton of {@code dev/attnc/templates/opencl.stg}.
 */
public final class OpenClCodegen {
    private static final Dialect D = Dialect.OPENCL;
    private static final String TEMPLATE = "dev/attnc/templates/opencl.stg";

    private OpenClCodegen() {}

    /**
     * @param headDim D, compiled in: private arrays of the query row and the accumulator are sized by it
     * @param tiles BLOCK_M (rows per work-group, one work-item each) and BLOCK_N (keys per tile)
     */
    public static OpenClKernel generate(Attention a, Storage storage, int headDim, TilePlan tiles) {
        return generate(a, storage, headDim, tiles, false);
    }

    /**
     * The kernel, or with {@code keySplits} its split-KV form for decode steps (its own program: the
     * prefill kernel's text is the same either way): one work-group per (query tile, split) of a
     * KeySplits plan, writing float partials, and beside it the combine kernel ({@link #combineEntry}) that merges them into O and LSE.
     */
    public static OpenClKernel generate(Attention a, Storage storage, int headDim, TilePlan tiles, boolean keySplits) {
        if (headDim < 1) throw new IllegalArgumentException("head dimension " + headDim);
        KernelBody body = KernelBody.of(a, D, false);
        KernelSignature signature = KernelSignature.forward(KernelSignature.POINTER_INPUTS,
                keySplits ? KernelSignature.SPLIT_KV : List.of(),
                java.util.stream.Stream.concat(KernelSignature.STRIDED_QKVO.stream(), KernelSignature.SEQUENCES.stream()).toList(),
                ParamArg.of(a));
        String entry = "attnc_" + Names.sanitize(a.name()) + (keySplits ? "_split_kv" : "");
        ST st = group().getInstanceOf("kernel");
        st.add("name", Names.sanitize(a.name()));
        st.add("storage", storage.word);
        st.add("headDim", headDim);
        st.add("blockM", tiles.blockM());
        st.add("blockN", tiles.blockN());
        int width = addDot(st, headDim);
        st.add("axpy", width == 1 ? "acc[d] += p * v[d]"
                : "vstore" + width + "(fma((float" + width + ")p, vload" + width + "(0, v + d), vload" + width + "(0, acc + d)), 0, acc + d)");
        st.add("helpers", CHelpers.text(D));
        st.add("entry", entry);
        st.add("params", signature.declarations(D, storage.elementType(D)));
        st.add("loadQ", storage.load(D, "Q", "q_base + d"));
        addPagedLoads(st, storage, "loadK", "K", "k");
        addPagedLoads(st, storage, "loadV", "V", "v");
        st.add("storeO", storage.store(D, "O", "o_base + d", "acc[d] * inv"));
        st.add("prologue", body.prologue());
        st.add("row", body.row());
        st.add("fullScoreLines", body.full().scoreLines());
        st.add("fullScore", body.full().score());
        st.add("maskLines", body.partial().maskLines());
        // a mask that is always true needs no test (ST's $if$ sees null as false)
        st.add("mask", body.partial().mask().equals("true") ? null : body.partial().mask());
        st.add("scoreLines", body.partial().scoreLines());
        st.add("score", body.partial().score());
        st.add("sink", body.sink());
        st.add("sigmoid", body.sigmoidBias());
        st.add("keySplits", keySplits ? true : null);
        if (keySplits) st.add("combineParams", KernelSignature.splitKvCombine().declarations(D, storage.elementType(D)));
        return new OpenClKernel(a.name(), st.render(), entry, storage, headDim, tiles, signature);
    }

    /**
     * The two loads of element i of a tile of {@code tensor} staged in local memory (opencl_tiles.stg's
     * stage), whose first row starts at {@code tile0}: {@code attribute}, row i / HEAD_DIM through the
     * tensor's row stride and dimension i % HEAD_DIM (HEAD_DIM is a constant: shifts when a power of 2),
     * and {@code attribute}Run, the tile as one run where rows are adjacent.
     */
    static void addTileLoads(ST st, Storage storage, String attribute, String tensor, String tile0) {
        st.add(attribute, storage.load(D, tensor, tile0 + " + i / HEAD_DIM * " + tensor + "_stride_s + i % HEAD_DIM"));
        st.add(attribute + "Run", storage.load(D, tensor, tile0 + " + i"));
    }

    /**
     * {@link #addTileLoads} for a K or V that may be paged: the element-wise load finds row
     * kv0 + i / HEAD_DIM through attn_row (its page table when it has one); the run load is for
     * adjacent rows of an unpaged tensor, from {@code prefix}_tile0.
     */
    static void addPagedLoads(ST st, Storage storage, String attribute, String tensor, String prefix) {
        st.add(attribute, storage.load(D, tensor, "attn_row(" + prefix + "_base, " + tensor + "_stride_s, " + prefix + "_pages, "
                + tensor + "_page_size, " + tensor + "_stride_page, kv0 + i / HEAD_DIM) + i % HEAD_DIM"));
        st.add(attribute + "Run", storage.load(D, tensor, prefix + "_tile0 + i"));
    }

    /** The attributes of attn_dot (q . k in vectors: dotWidth, dotType, dotQ, dotK, dotSum); returns the width. */
    static int addDot(ST st, int headDim) {
        int width = dotWidth(headDim);
        st.add("dotWidth", width);
        st.add("dotType", width == 1 ? "float" : "float" + width);
        st.add("dotQ", width == 1 ? "q[d]" : "vload" + width + "(0, q + d)");
        st.add("dotK", width == 1 ? "k[d]" : "vload" + width + "(0, k + d)");
        st.add("dotSum", horizontalSum(width));
        return width;
    }

    /** The widest OpenCL vector (up to 16 floats) that divides the head dimension. */
    static int dotWidth(int headDim) {
        int w = 16;
        while (headDim % w != 0) w /= 2;
        return w;
    }

    /** Statements that add up the lanes of {@code acc} (a float of the width) and return the sum. */
    static String horizontalSum(int width) {
        StringBuilder s = new StringBuilder();
        String v = "acc";
        for (int w = width / 2; w >= 1; w /= 2) {
            String next = "sum" + w;
            s.append(w == 1 ? "const float " : "const float" + w + " ").append(next).append(" = ").append(v).append(".lo + ").append(v).append(".hi;\n");
            v = next;
        }
        return s.append("return ").append(v).append(";").toString();
    }

    /** The entry of split-KV's combine kernel, beside the split kernel {@code entry} in its program. */
    public static String combineEntry(String entry) {
        return entry + "_combine";
    }

    private static STGroup group() {
        return Templates.load(TEMPLATE);
    }
}
