package dev.attnc.compiler.codegen;

import dev.attnc.compiler.codegen.KernelArg.Element;
import dev.attnc.compiler.codegen.KernelArg.Kind;
import dev.attnc.compiler.codegen.c.Dialect;
import dev.attnc.compiler.codegen.c.ParamArg;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The ordered, named, typed arguments of one generated kernel: the one list that its template prints
 * as the parameter list and that runtimes walk to bind values by name. No other place spells a
 * kernel's arguments out by position.
 */
public record KernelSignature(List<KernelArg> args) {
    public static final KernelArg Q = KernelArg.fixed("Q", new Kind.Buffer(Element.STORAGE, false));
    public static final KernelArg K = KernelArg.fixed("K", new Kind.Buffer(Element.STORAGE, false));
    public static final KernelArg V = KernelArg.fixed("V", new Kind.Buffer(Element.STORAGE, false));
    /** Q, K and V as TMA descriptors (the Hopper kernel loads its tiles with TMA). */
    public static final KernelArg TM_Q = KernelArg.fixed("tmQ", new Kind.TensorMap());
    public static final KernelArg TM_K = KernelArg.fixed("tmK", new Kind.TensorMap());
    public static final KernelArg TM_V = KernelArg.fixed("tmV", new Kind.TensorMap());
    public static final KernelArg O = KernelArg.fixed("O", new Kind.Buffer(Element.STORAGE, true));
    /** Natural-log log-sum-exp of each query row, float32 [B, H, Q_LEN]. */
    public static final KernelArg LSE = KernelArg.fixed("LSE", new Kind.Buffer(Element.FLOAT, true));
    /** The block plan (BlockPlan's CSR arrays): runs of plan row i are run_offsets[i] .. run_offsets[i+1]-1. */
    public static final KernelArg RUN_OFFSETS = KernelArg.fixed("run_offsets", new Kind.Buffer(Element.INT, false));
    public static final KernelArg RUN_START = KernelArg.fixed("run_start", new Kind.Buffer(Element.INT, false));
    public static final KernelArg RUN_END = KernelArg.fixed("run_end", new Kind.Buffer(Element.INT, false));
    public static final KernelArg RUN_PARTIAL = KernelArg.fixed("run_partial", new Kind.Buffer(Element.BYTE, false));
    /** A persistent kernel's work list (TileOrder codes), its length, and the shared item counter (null: one block per item). */
    public static final KernelArg TILE_ORDER = KernelArg.fixed("tile_order", new Kind.Buffer(Element.INT, false));
    public static final KernelArg N_TILES = KernelArg.fixed("n_tiles", new Kind.Int());
    public static final KernelArg ITEM_COUNTER = KernelArg.fixed("item_counter", new Kind.Buffer(Element.INT, true));
    public static final KernelArg B = KernelArg.fixed("B", new Kind.Int());
    public static final KernelArg H = KernelArg.fixed("H", new Kind.Int());
    public static final KernelArg H_KV = KernelArg.fixed("H_KV", new Kind.Int());
    public static final KernelArg Q_LEN = KernelArg.fixed("Q_LEN", new Kind.Int());
    public static final KernelArg KV_LEN = KernelArg.fixed("KV_LEN", new Kind.Int());
    /** The plan row of (b, h, query tile) is (b * plan_b_stride + h * plan_h_stride) * q_tiles + query tile. */
    public static final KernelArg PLAN_B_STRIDE = KernelArg.fixed("plan_b_stride", new Kind.Int());
    public static final KernelArg PLAN_H_STRIDE = KernelArg.fixed("plan_h_stride", new Kind.Int());
    public static final KernelArg Q_TILES = KernelArg.fixed("q_tiles", new Kind.Int());
    /** The softmax scale (positive). */
    public static final KernelArg SCALE = KernelArg.fixed("scale", new Kind.Float());
    /**
     * Split-KV (a decode step), on every backend: each split's float32 partial O [splits][B·H·Q_LEN][DV]
     * and LSE [splits][B·H·Q_LEN] (row b·H·Q_LEN + h·Q_LEN + q; unused with one split), and the split count.
     */
    public static final KernelArg O_PART = KernelArg.fixed("O_part", new Kind.Buffer(Element.FLOAT, true));
    public static final KernelArg LSE_PART = KernelArg.fixed("LSE_part", new Kind.Buffer(Element.FLOAT, true));
    public static final KernelArg O_PART_IN = KernelArg.fixed("O_part", new Kind.Buffer(Element.FLOAT, false));
    public static final KernelArg LSE_PART_IN = KernelArg.fixed("LSE_part", new Kind.Buffer(Element.FLOAT, false));
    public static final KernelArg SPLITS = KernelArg.fixed("splits", new Kind.Int());
    /** What a split-KV form of the forward kernel adds, in the schedule's place (OpenCL's). */
    public static final List<KernelArg> SPLIT_KV = List.of(O_PART, LSE_PART, SPLITS);
    /** How many query heads of one KV head a decode block takes (its rows). */
    public static final KernelArg HEADS_PACKED = KernelArg.fixed("heads_packed", new Kind.Int());

    /**
     * Where the rows of a [B, heads, len, D] tensor lie in its buffer, in elements: element (b, h, s, 0)
     * is at {@code T_offset + b·T_stride_b + h·T_stride_h + s·T_stride_s} and a row's D elements are
     * adjacent. A dense tensor, a [B, S, H, D] one seen as [B, H, S, D] and a slice of a packed QKV
     * tensor differ only in these values.
     */
    public static List<KernelArg> layout(KernelArg tensor) {
        // built once per tensor: a decode step binds these on every call
        return LAYOUTS.computeIfAbsent(tensor.name(), t -> List.of(KernelArg.fixed(t + "_offset", new Kind.Long()),
                KernelArg.fixed(t + "_stride_b", new Kind.Long()),
                KernelArg.fixed(t + "_stride_h", new Kind.Long()),
                KernelArg.fixed(t + "_stride_s", new Kind.Long())));
    }

    private static final java.util.Map<String, List<KernelArg>> LAYOUTS = new java.util.concurrent.ConcurrentHashMap<>();
    private static final java.util.Map<String, List<KernelArg>> PAGINGS = new java.util.concurrent.ConcurrentHashMap<>();

    /** The layouts of Q, K, V and O, for a kernel that reads and writes them through strides. */
    public static final List<KernelArg> STRIDED_QKVO = java.util.stream.Stream.of(Q, K, V, O)
            .flatMap(t -> layout(t).stream()).toList();

    /** Each sequence's KV_LEN, int [B] (the call's KV_LEN for every b when it gives none). */
    public static final KernelArg KV_LENS = KernelArg.fixed("kv_lens", new Kind.Buffer(Element.INT, false));

    /**
     * How a K or V cache in pages is read: row kv of (b, h) lies at {@code T_offset + h·T_stride_h
     * + T_pages[b·T_max_pages + kv / T_page_size]·T_stride_page + (kv % T_page_size)·T_stride_s};
     * {@code T_page_size} 0 means not paged (its layout alone places the row).
     */
    public static List<KernelArg> paging(KernelArg tensor) {
        return PAGINGS.computeIfAbsent(tensor.name(), t -> List.of(KernelArg.fixed(t + "_pages", new Kind.Buffer(Element.INT, false)),
                KernelArg.fixed(t + "_page_size", new Kind.Int()),
                KernelArg.fixed(t + "_max_pages", new Kind.Int()),
                KernelArg.fixed(t + "_stride_page", new Kind.Long())));
    }

    /** Per-sequence lengths and the paging of K and V, for a kernel that reads ragged and paged KV caches. */
    public static final List<KernelArg> SEQUENCES = java.util.stream.Stream.concat(java.util.stream.Stream.of(KV_LENS),
            java.util.stream.Stream.of(K, V).flatMap(t -> paging(t).stream())).toList();

    /** Q, K and V read through pointers. */
    public static final List<KernelArg> POINTER_INPUTS = List.of(Q, K, V);
    /** Q, K and V read through TMA descriptors. */
    public static final List<KernelArg> TENSOR_MAP_INPUTS = List.of(TM_Q, TM_K, TM_V);
    /** What a persistent kernel adds: its work list and item counter. */
    public static final List<KernelArg> PERSISTENT_SCHEDULE = List.of(TILE_ORDER, N_TILES, ITEM_COUNTER);

    public KernelSignature {
        args = List.copyOf(args);
        Set<String> seen = new HashSet<>();
        for (KernelArg a : args) {
            if (!seen.add(a.name())) throw new IllegalArgumentException("two kernel arguments named " + a.name());
        }
    }

    /**
     * The forward kernel's arguments, the same on every C target: the inputs, O, LSE, the block
     * plan, the schedule's own arguments, the sizes, the plan's strides and query-tile count, the
     * softmax scale, then the attention's parameters in declaration order.
     *
     * @param inputs {@link #POINTER_INPUTS} or {@link #TENSOR_MAP_INPUTS}
     * @param schedule nothing for one block per (query tile, b·H + h), or {@link #PERSISTENT_SCHEDULE}
     */
    public static KernelSignature forward(List<KernelArg> inputs, List<KernelArg> schedule, List<ParamArg> params) {
        return forward(inputs, schedule, List.of(), params);
    }

    /**
     * {@link #forward(List, List, List)} with tensor layouts after the schedule's arguments: nothing for
     * dense Q, K, V and O, or {@link #STRIDED_QKVO}.
     */
    public static KernelSignature forward(List<KernelArg> inputs, List<KernelArg> schedule, List<KernelArg> layouts,
            List<ParamArg> params) {
        List<KernelArg> out = new ArrayList<>(inputs);
        out.addAll(List.of(O, LSE, RUN_OFFSETS, RUN_START, RUN_END, RUN_PARTIAL));
        out.addAll(schedule);
        out.addAll(layouts);
        out.addAll(List.of(B, H, H_KV, Q_LEN, KV_LEN, PLAN_B_STRIDE, PLAN_H_STRIDE, Q_TILES, SCALE));
        for (ParamArg p : params) out.add(KernelArg.of(p));
        return new KernelSignature(out);
    }

    /**
     * A decode kernel's arguments (split-KV, query heads packed): the forward's, with the partial
     * outputs after O and LSE, the layouts of K and V and {@link #SEQUENCES} (per-sequence lengths,
     * paged K and V) after the plan, and the packing and split count after the scale.
     */
    public static KernelSignature decode(List<ParamArg> params) {
        List<KernelArg> out = new ArrayList<>(POINTER_INPUTS);
        out.addAll(List.of(O, LSE, O_PART, LSE_PART, RUN_OFFSETS, RUN_START, RUN_END, RUN_PARTIAL));
        out.addAll(layout(K));
        out.addAll(layout(V));
        out.addAll(SEQUENCES);
        out.addAll(List.of(B, H, H_KV, Q_LEN, KV_LEN, PLAN_B_STRIDE, PLAN_H_STRIDE, Q_TILES, SCALE, HEADS_PACKED, SPLITS));
        for (ParamArg p : params) out.add(KernelArg.of(p));
        return new KernelSignature(out);
    }

    /** The kernel that merges split-KV's partials (every backend's): partials in, O (through its layout) and LSE out. */
    public static final KernelSignature SPLIT_KV_COMBINE = combine();

    private static KernelSignature combine() {
        List<KernelArg> out = new ArrayList<>(List.of(O_PART_IN, LSE_PART_IN, O, LSE));
        out.addAll(layout(O));
        out.addAll(List.of(B, H, Q_LEN, SPLITS));
        return new KernelSignature(out);
    }

    /** The attention's parameters, in the order the kernel takes them. */
    public List<ParamArg> params() {
        return args.stream().map(KernelArg::role).<ParamArg>mapMulti((r, sink) -> {
            if (r instanceof KernelArg.Role.Param(ParamArg p)) sink.accept(p);
        }).toList();
    }

    /** The names of the fixed arguments, in order: what a runtime must supply. */
    public List<String> fixedNames() {
        return args.stream().filter(a -> a.role() instanceof KernelArg.Role.Fixed).map(KernelArg::name).toList();
    }

    /** The parameter list as the template prints it: one declaration per argument, in order. */
    public List<String> declarations(Dialect d, String storageType) {
        return args.stream().map(a -> a.declaration(d, storageType)).toList();
    }

    /**
     * The parameter declarations of kernel {@code entry} as printed in {@code source}, one per
     * argument, whitespace trimmed: what a test compares with {@link #declarations}.
     */
    public static List<String> printedParameters(String source, String entry) {
        int open = source.indexOf(" " + entry + "(");
        if (open < 0) throw new IllegalArgumentException("no kernel " + entry + " in the source");
        int from = open + entry.length() + 2;
        int close = source.indexOf(")\n{", from);
        return java.util.Arrays.stream(source.substring(from, close).split(",")).map(String::strip).toList();
    }
}
