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
        return generate(a, storage, headDim, headDim, tiles, false);
    }

    /** The kernel of D = DV, or its split-KV form ({@link #generate(Attention, Storage, int, int, TilePlan, boolean)}). */
    public static OpenClKernel generate(Attention a, Storage storage, int headDim, TilePlan tiles, boolean keySplits) {
        return generate(a, storage, headDim, headDim, tiles, keySplits);
    }

    /** @param valueDim DV, V's and O's last dimension, compiled in beside D (the text for DV = D is the kernel's of D alone) */
    public static OpenClKernel generate(Attention a, Storage storage, int headDim, int valueDim, TilePlan tiles) {
        return generate(a, storage, headDim, valueDim, tiles, false);
    }

    /**
     * The kernel, or with {@code keySplits} its split-KV form for decode steps (its own program: the
     * prefill kernel's text is the same either way): one work-group per (query tile, split) of a
     * KeySplits plan, writing float partials, and beside it the combine kernel ({@link #combineEntry}) that merges them into O and LSE.
     */
    public static OpenClKernel generate(Attention a, Storage storage, int headDim, int valueDim, TilePlan tiles, boolean keySplits) {
        if (headDim < 1 || valueDim < 1) throw new IllegalArgumentException("head dimension " + headDim + ", value dimension " + valueDim);
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
        String vdim = addValueDim(st, headDim, valueDim);
        st.add("blockM", tiles.blockM());
        st.add("blockN", tiles.blockN());
        addDot(st, "dot", headDim);
        int width = dotWidth(valueDim);
        st.add("axpyWidth", width);
        st.add("axpy", width == 1 ? "acc[d] += p * v[d]"
                : "vstore" + width + "(fma((float" + width + ")p, vload" + width + "(0, v + d), vload" + width + "(0, acc + d)), 0, acc + d)");
        st.add("helpers", CHelpers.text(D));
        st.add("entry", entry);
        st.add("params", signature.declarations(D, storage.elementType(D)));
        st.add("loadQ", storage.load(D, "Q", "q_base + d"));
        addPagedLoads(st, storage, "loadK", "K", "k", "HEAD_DIM");
        addPagedLoads(st, storage, "loadV", "V", "v", vdim);
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
        if (keySplits) st.add("combineParams", KernelSignature.SPLIT_KV_COMBINE.declarations(D, storage.elementType(D)));
        return new OpenClKernel(a.name(), st.render(), entry, storage, headDim, tiles, signature);
    }

    /**
     * The two loads of element i of a tile of {@code tensor} staged in local memory (opencl_tiles.stg's
     * stage), whose first row starts at {@code tile0}: {@code attribute}, row i / width through the
     * tensor's row stride and dimension i % width ({@code width} names a constant, HEAD_DIM or
     * VALUE_DIM: shifts when a power of 2), and {@code attribute}Run, the tile as one run where rows are adjacent.
     */
    static void addTileLoads(ST st, Storage storage, String attribute, String tensor, String tile0, String width) {
        st.add(attribute, storage.load(D, tensor, tile0 + " + i / " + width + " * " + tensor + "_stride_s + i % " + width));
        st.add(attribute + "Run", storage.load(D, tensor, tile0 + " + i"));
    }

    /**
     * {@link #addTileLoads} for a K or V that may be paged: the element-wise load finds row
     * kv0 + i / {@code width} through attn_row (its page table when it has one); the run load is for
     * adjacent rows of an unpaged tensor, from {@code prefix}_tile0. {@code width}: the row's
     * length as the kernel names it (HEAD_DIM, or VALUE_DIM for V when DV differs).
     */
    static void addPagedLoads(ST st, Storage storage, String attribute, String tensor, String prefix, String width) {
        st.add(attribute, storage.load(D, tensor, "attn_row(" + prefix + "_base, " + tensor + "_stride_s, " + prefix + "_pages, "
                + tensor + "_page_size, " + tensor + "_stride_page, kv0 + i / " + width + ") + i % " + width));
        st.add(attribute + "Run", storage.load(D, tensor, prefix + "_tile0 + i"));
    }

    /**
     * The value dimension's attributes: {@code valueDim} (null when DV = D, so that the kernel's text
     * is the one of D alone) and {@code vdim}, the name V's and O's loops and tiles are sized by
     * (HEAD_DIM, or VALUE_DIM defined beside it); returns that name.
     */
    static String addValueDim(ST st, int headDim, int valueDim) {
        String vdim = valueDim == headDim ? "HEAD_DIM" : "VALUE_DIM";
        st.add("valueDim", valueDim == headDim ? null : valueDim);
        st.add("vdim", vdim);
        return vdim;
    }

    /**
     * The attributes of a dot product over {@code length} floats in vectors ({@code prefix} "dot":
     * attn_dot's dotWidth, dotType, dotQ, dotK, dotSum; "vdot": the backward's attn_vdot over DV).
     */
    static void addDot(ST st, String prefix, int length) {
        int width = dotWidth(length);
        st.add(prefix + "Width", width);
        st.add(prefix + "Type", width == 1 ? "float" : "float" + width);
        st.add(prefix + "Q", width == 1 ? "q[d]" : "vload" + width + "(0, q + d)");
        st.add(prefix + "K", width == 1 ? "k[d]" : "vload" + width + "(0, k + d)");
        st.add(prefix + "Sum", horizontalSum(width));
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
