package dev.attnc.compiler.codegen.opencl;

import dev.attnc.compiler.codegen.BackwardSignature;
import dev.attnc.compiler.codegen.KernelSignature;
import dev.attnc.compiler.codegen.c.BackwardBody;
import dev.attnc.compiler.codegen.c.CHelpers;
import dev.attnc.compiler.codegen.c.Dialect;
import dev.attnc.compiler.codegen.c.ParamArg;
import dev.attnc.compiler.codegen.c.Storage;
import dev.attnc.compiler.codegen.c.Templates;
import dev.attnc.compiler.grad.Gradient;
import dev.attnc.compiler.ir.Attention;
import dev.attnc.compiler.plan.TilePlan;
import java.util.List;
import java.util.Map;
import org.stringtemplate.v4.ST;

/**
 * Gradient IR → OpenCL C: the backward pass's program, its per-pair code printed by
 * {@link BackwardBody} (C printer, OpenCL dialect) into {@code dev/attnc/templates/opencl_backward.stg}.
 * The source holds no user text but mangled parameter names.
 */
public final class OpenClBackwardCodegen {
    private static final Dialect D = Dialect.OPENCL;
    private static final String TEMPLATE = "dev/attnc/templates/opencl_backward.stg";

    private OpenClBackwardCodegen() {}

    /** The backward of the forward kernel {@link OpenClCodegen#generate} makes with the same arguments. */
    public static OpenClBackwardKernel generate(Attention a, Storage storage, int headDim, TilePlan tiles) {
        return generate(a, storage, headDim, headDim, tiles);
    }

    /** With value dimension {@code valueDim} (V's, O's, dO's and dV's last) beside D; the text for DV = D is the one of D alone. */
    public static OpenClBackwardKernel generate(Attention a, Storage storage, int headDim, int valueDim, TilePlan tiles) {
        if (headDim < 1 || valueDim < 1) throw new IllegalArgumentException("head dimension " + headDim + ", value dimension " + valueDim);
        Gradient g = Gradient.ofBackward(a);
        BackwardBody body = BackwardBody.of(a, D);
        List<ParamArg> params = ParamArg.of(a);
        List<ParamArg> withGradient = params.stream().filter(p -> g.parameters().contains(p.name())).toList();
        KernelSignature delta = BackwardSignature.delta(true);
        KernelSignature dkdv = BackwardSignature.dkdv(params, true);
        KernelSignature dq = BackwardSignature.dq(params, withGradient, true);
        KernelSignature reduce = BackwardSignature.reduce();
        String element = storage.elementType(D);

        ST st = Templates.load(TEMPLATE).getInstanceOf("backward");
        st.add("storage", storage.word);
        st.add("headDim", headDim);
        String vdim = OpenClCodegen.addValueDim(st, headDim, valueDim);
        st.add("vdot", valueDim == headDim ? "attn_dot" : "attn_vdot");
        st.add("blockM", tiles.blockM());
        st.add("blockN", tiles.blockN());
        OpenClCodegen.addDot(st, "dot", headDim);
        OpenClCodegen.addDot(st, "vdot", valueDim);
        st.add("helpers", CHelpers.text(D));
        st.add("deltaParams", delta.declarations(D, element));
        st.add("dkdvParams", dkdv.declarations(D, element));
        st.add("dqParams", dq.declarations(D, element));
        st.add("reduceParams", reduce.declarations(D, element));
        // every [B, heads, len, D] operand through its layout (KernelSignature.layout); element i of a
        // staged tile is row i / HEAD_DIM, dimension i % HEAD_DIM (shifts when HEAD_DIM is a power of 2)
        st.add("loadDeltaO", storage.load(D, "O", "o_base + d"));
        st.add("loadDeltaDO", storage.load(D, "dO", "do_base + d"));
        st.add("loadKRow", storage.load(D, "K", "k_base + d"));
        st.add("loadVRow", storage.load(D, "V", "v_base + d"));
        OpenClCodegen.addTileLoads(st, storage, "loadQTile", "Q", "q_tile0", "HEAD_DIM");
        OpenClCodegen.addTileLoads(st, storage, "loadDOTile", "dO", "do_tile0", vdim);
        st.add("storeDK", storage.store(D, "dK", "dk_base + d", "dk[d]"));
        st.add("storeDV", storage.store(D, "dV", "dv_base + d", "dv[d]"));
        st.add("loadQRow", storage.load(D, "Q", "q_base + d"));
        st.add("loadDORow", storage.load(D, "dO", "do_base + d"));
        OpenClCodegen.addTileLoads(st, storage, "loadKTile", "K", "k_tile0", "HEAD_DIM");
        OpenClCodegen.addTileLoads(st, storage, "loadVTile", "V", "v_tile0", vdim);
        st.add("storeDQ", storage.store(D, "dQ", "dq_base + d", "dq[d] * scale"));
        st.add("prologue", body.prologue());
        st.add("row", body.row());
        st.add("fullScoreLines", body.full().scoreLines());
        st.add("fullScore", body.full().score());
        st.add("fullGradient", body.fullGradient());
        st.add("maskLines", body.partial().maskLines());
        // a mask that is always true needs no test (ST's $if$ sees null as false)
        st.add("mask", body.partial().mask().equals("true") ? null : body.partial().mask());
        st.add("scoreLines", body.partial().scoreLines());
        st.add("score", body.partial().score());
        st.add("partialGradient", body.partialGradient());
        st.add("dScore", body.dScore());
        // StringTemplate reads maps, not records' accessors
        st.add("params", body.params().stream().map(p -> Map.of("gradient", BackwardSignature.gradientName(p.identifier()), "elements", p.elements(),
                "terms", terms(p.terms()), "sinkTerms", terms(p.sinkTerms()))).toList());
        st.add("sink", body.sink());
        st.add("sigmoid", body.sigmoidBias());
        st.add("sinkGradient", body.params().stream().anyMatch(p -> !p.sinkTerms().isEmpty()) ? true : null);
        return new OpenClBackwardKernel(a.name(), st.render(), storage, headDim, tiles, delta, dkdv, dq, reduce, withGradient);
    }

    private static List<Map<String, String>> terms(List<BackwardBody.Term> terms) {
        return terms.stream().map(t -> Map.of("index", t.index(), "derivative", t.derivative())).toList();
    }
}
