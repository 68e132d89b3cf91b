package dev.attnc.compiler.codegen;

import dev.attnc.compiler.codegen.KernelArg.Element;
import dev.attnc.compiler.codegen.KernelArg.Kind;
import dev.attnc.compiler.codegen.c.ParamArg;
import java.util.ArrayList;
import java.util.List;

/**
 * The arguments of the backward pass's kernels (FlashAttention-2's: Δ, then dK/dV by key tile, then
 * dQ and the parameters' gradients by query tile, then the reduction of those), each one
 * {@link KernelSignature} printed into its template and bound by name as the forward's is. The
 * names of the forward's arguments mean the same here; the block plan's arguments carry the
 * transposed plan in {@link #dkdv} and the forward plan in {@link #dq}.
 */
public final class BackwardSignature {
    /** dO, O's shape and storage. */
    public static final KernelArg DO = KernelArg.fixed("dO", new Kind.Buffer(Element.STORAGE, false));
    /** The gradient of the loss with respect to LSE, float32 [B, H, Q_LEN] (zeros when none). */
    public static final KernelArg DLSE = KernelArg.fixed("dLSE", new Kind.Buffer(Element.FLOAT, false));
    /** The forward's LSE, read. */
    public static final KernelArg LSE_IN = KernelArg.fixed("LSE", new Kind.Buffer(Element.FLOAT, false));
    public static final KernelArg O_IN = KernelArg.fixed("O", new Kind.Buffer(Element.STORAGE, false));
    /** Δ = rowsum(dO ∘ O) − dLSE, float32 [B, H, Q_LEN]: written by the first kernel, read by the others. */
    public static final KernelArg DELTA_OUT = KernelArg.fixed("Delta", new Kind.Buffer(Element.FLOAT, true));
    public static final KernelArg DELTA = KernelArg.fixed("Delta", new Kind.Buffer(Element.FLOAT, false));
    public static final KernelArg DQ = KernelArg.fixed("dQ", new Kind.Buffer(Element.STORAGE, true));
    public static final KernelArg DK = KernelArg.fixed("dK", new Kind.Buffer(Element.STORAGE, true));
    public static final KernelArg DV = KernelArg.fixed("dV", new Kind.Buffer(Element.STORAGE, true));
    /** dQ before its scale and rounding, float32 [B, H, Q_LEN, D], zeroed by {@link #delta}: the dK/dV kernel adds into it atomically. */
    public static final KernelArg DQ_ACCUM = KernelArg.fixed("dQaccum", new Kind.Buffer(Element.FLOAT, true));
    public static final KernelArg DQ_ACCUM_IN = KernelArg.fixed("dQaccum", new Kind.Buffer(Element.FLOAT, false));
    /** dO as a TMA descriptor (the warp-specialized dK/dV kernel loads its tiles with TMA, Q, K and V as the forward's). */
    public static final KernelArg TM_DO = KernelArg.fixed("tmdO", new Kind.TensorMap());
    /**
     * The warp-specialized dK/dV kernel's scheduler, 1 + B·H ints zeroed by {@link #delta} before it runs: at 0 the count
     * of units (key blocks of a (b, KV head)) its persistent blocks took past their first; at 1 + b·H_KV + KV head the
     * count of that (b, KV head)'s units done (its dQaccum adds released), which {@link #dqConvert} waits for by head.
     */
    public static final KernelArg DKDV_UNITS = KernelArg.fixed("dkdv_units", new Kind.Buffer(Element.INT, true));
    public static final KernelArg DKDV_UNITS_IN = KernelArg.fixed("dkdv_units", new Kind.Buffer(Element.INT, false));
    /**
     * LSE·log2 e and Δ by 64-row query tile, float32 [B, H, ⌈Q_LEN / 64⌉, 2, 64] (+inf and 0 for the rows past
     * Q_LEN): written by {@link #delta} for the warp-specialized dK/dV kernel, whose producer copies a tile's in one
     * bulk copy (FlashAttention-3's LSE_log2 and dPsum), where 32 lanes staging it from LSE and Δ spilled its registers.
     */
    public static final KernelArg TILE_STATS_OUT = KernelArg.fixed("tile_stats", new Kind.Buffer(Element.FLOAT, true));
    public static final KernelArg TILE_STATS = KernelArg.fixed("tile_stats", new Kind.Buffer(Element.FLOAT, false));
    /** Nonzero: parameter gradients go straight into their outputs with atomic adds; 0: into per-row partials. */
    public static final KernelArg ATOMIC_PARAMS = KernelArg.fixed("atomic_params", new Kind.Int());
    /** The reduction's input [rows, elements], its output [elements] and its two sizes. */
    public static final KernelArg PARTIALS = KernelArg.fixed("partials", new Kind.Buffer(Element.FLOAT, false));
    public static final KernelArg SUMS = KernelArg.fixed("sums", new Kind.Buffer(Element.FLOAT, true));
    public static final KernelArg ROWS = KernelArg.fixed("rows", new Kind.Int());
    public static final KernelArg ELEMENTS = KernelArg.fixed("elements", new Kind.Int());

    private static final List<KernelArg> PLAN = List.of(KernelSignature.RUN_OFFSETS, KernelSignature.RUN_START,
            KernelSignature.RUN_END, KernelSignature.RUN_PARTIAL);
    private static final List<KernelArg> SIZES_AND_PLAN_ROWS = List.of(KernelSignature.B, KernelSignature.H, KernelSignature.H_KV,
            KernelSignature.Q_LEN, KernelSignature.KV_LEN, KernelSignature.PLAN_B_STRIDE, KernelSignature.PLAN_H_STRIDE,
            KernelSignature.Q_TILES, KernelSignature.SCALE);

    private BackwardSignature() {}

    /** The name of the gradient output of parameter {@code p} in {@link #dq}: its mangled name with a prefix (no user text). */
    public static String gradientName(ParamArg p) {
        return gradientName(p.identifier());
    }

    /** {@link #gradientName(ParamArg)} of a parameter's mangled name. */
    public static String gradientName(String identifier) {
        return "grad_" + identifier;
    }

    /**
     * Δ per row: O, dO, dLSE and LSE (a sigmoid's Δ reads it) in; Δ out; with {@code strided}, O's
     * and dO's layouts (a target that reads views through strides; CUDA gathers views into dense
     * uploads and takes none).
     */
    public static KernelSignature delta(boolean strided) {
        return delta(strided, false, false);
    }

    /**
     * {@link #delta(boolean)}; with {@code zeroesDqAccum} it also zeroes {@link #DQ_ACCUM}, which the dK/dV kernel then
     * adds into; with {@code warpSpecialized} it prepares what the warp-specialized kernel reads: {@link #DKDV_UNITS}
     * zeroed, {@link #TILE_STATS_OUT} written.
     */
    public static KernelSignature delta(boolean strided, boolean zeroesDqAccum, boolean warpSpecialized) {
        List<KernelArg> args = new ArrayList<>(List.of(O_IN, DO, DLSE, LSE_IN, DELTA_OUT));
        if (zeroesDqAccum) args.add(DQ_ACCUM);
        if (warpSpecialized) args.addAll(List.of(DKDV_UNITS, TILE_STATS_OUT));
        args.addAll(List.of(KernelSignature.B, KernelSignature.H, KernelSignature.Q_LEN));
        return new KernelSignature(with(args, layouts(strided, O_IN, DO)));
    }

    private static List<KernelArg> layouts(boolean strided, KernelArg... tensors) {
        if (!strided) return List.of();
        return java.util.Arrays.stream(tensors).flatMap(t -> KernelSignature.layout(t).stream()).toList();
    }

    private static List<KernelArg> with(List<KernelArg> args, List<KernelArg> more) {
        List<KernelArg> out = new ArrayList<>(args);
        out.addAll(more);
        return out;
    }

    /** dK and dV by (b, KV head, key tile), over the transposed plan ({@code q_tiles}: its count of key tiles). */
    public static KernelSignature dkdv(List<ParamArg> params, boolean strided) {
        List<KernelArg> out = new ArrayList<>(List.of(KernelSignature.Q, KernelSignature.K, KernelSignature.V, DO, LSE_IN, DELTA, DK, DV));
        out.addAll(PLAN);
        out.addAll(layouts(strided, KernelSignature.Q, KernelSignature.K, KernelSignature.V, DO, DK, DV));
        out.addAll(SIZES_AND_PLAN_ROWS);
        for (ParamArg p : params) out.add(KernelArg.of(p));
        return new KernelSignature(out);
    }

    /**
     * The dK/dV kernel that also adds dS K into {@link #DQ_ACCUM} (dQ through float atomics) and
     * takes the pairs' share of each parameter's gradient in {@code withGradient}, as {@link #dq} does.
     */
    public static KernelSignature dkdvWithDq(List<ParamArg> params, List<ParamArg> withGradient) {
        List<KernelArg> out = new ArrayList<>(dkdv(List.of(), false).args());
        out.add(DQ_ACCUM);
        out.add(ATOMIC_PARAMS);
        for (ParamArg p : params) out.add(KernelArg.of(p));
        out.addAll(gradients(withGradient));
        return new KernelSignature(out);
    }

    /**
     * The warp-specialized dK/dV kernel (Hopper): {@link #dkdvWithDq}'s arguments after the TMA
     * descriptors of Q, K, V and dO that it loads its tiles through, with {@link #TILE_STATS} for LSE and Δ.
     */
    public static KernelSignature dkdvWarpSpecialized(List<ParamArg> params, List<ParamArg> withGradient) {
        List<KernelArg> out = new ArrayList<>(List.of(KernelSignature.TM_Q, KernelSignature.TM_K, KernelSignature.TM_V, TM_DO));
        for (KernelArg arg : dkdvWithDq(params, withGradient).args()) out.add(arg == LSE_IN ? TILE_STATS : arg);
        out.remove(DELTA);
        out.add(DKDV_UNITS);
        return new KernelSignature(out);
    }

    /**
     * dQ from {@link #DQ_ACCUM} (scaled, in the storage type) by (b, h, query tile), and the
     * per-row terms of each parameter's gradient (a sink's), as {@link #dq} adds them; with {@code followsUnits} (after
     * the warp-specialized dK/dV kernel) it also reads {@link #DKDV_UNITS_IN}: a tile is converted once its (b, KV
     * head)'s units are done, not once the whole kernel is.
     */
    public static KernelSignature dqConvert(List<ParamArg> params, List<ParamArg> withGradient, boolean followsUnits) {
        List<KernelArg> out = new ArrayList<>(List.of(DQ_ACCUM_IN, DQ, LSE_IN, DELTA, KernelSignature.B, KernelSignature.H,
                KernelSignature.H_KV, KernelSignature.Q_LEN, KernelSignature.KV_LEN, KernelSignature.SCALE, ATOMIC_PARAMS));
        if (followsUnits) out.add(DKDV_UNITS_IN);
        for (ParamArg p : params) out.add(KernelArg.of(p));
        out.addAll(gradients(withGradient));
        return new KernelSignature(out);
    }

    private static List<KernelArg> gradients(List<ParamArg> withGradient) {
        return withGradient.stream().map(p -> KernelArg.fixed(gradientName(p), new Kind.Buffer(Element.FLOAT, true))).toList();
    }

    /**
     * dQ by (b, h, query tile) over the forward plan, and the gradient of each parameter in
     * {@code withGradient} (float32 buffers: [rows, elements] partials, or [elements] with atomics).
     */
    public static KernelSignature dq(List<ParamArg> params, List<ParamArg> withGradient, boolean strided) {
        List<KernelArg> out = new ArrayList<>(List.of(KernelSignature.Q, KernelSignature.K, KernelSignature.V, DO, LSE_IN, DELTA, DQ));
        out.addAll(PLAN);
        out.addAll(layouts(strided, KernelSignature.Q, KernelSignature.K, KernelSignature.V, DO, DQ));
        out.addAll(SIZES_AND_PLAN_ROWS);
        out.add(ATOMIC_PARAMS);
        for (ParamArg p : params) out.add(KernelArg.of(p));
        out.addAll(gradients(withGradient));
        return new KernelSignature(out);
    }

    /** Sums of a [rows, elements] buffer over its rows, in row order. */
    public static KernelSignature reduce() {
        return new KernelSignature(List.of(PARTIALS, SUMS, ROWS, ELEMENTS));
    }
}
