package dev.attnc.bench.gpu;

import dev.attnc.DType;
import dev.attnc.Tensor;
import dev.attnc.backend.Backend;
import dev.attnc.backend.KernelRequest;
import dev.attnc.backend.RunInputs;
import dev.attnc.backend.RunOutputs;
import dev.attnc.backend.cuda.CudaBackend;
import dev.attnc.backend.cuda.CudaKernel;
import dev.attnc.compiler.Compilation;
import dev.attnc.compiler.codegen.cuda.CudaCodegen;
import dev.attnc.compiler.diag.SourceFile;
import dev.attnc.compiler.interp.Bindings;
import dev.attnc.kernel.Sizes;
import dev.attnc.compiler.interp.TensorData;
import dev.attnc.compiler.ir.Attention;
import dev.attnc.compiler.plan.TilePlan;
import dev.attnc.kernel.BlockPlan;
import dev.attnc.compiler.sparsity.BlockPlanner;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Reader;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.function.Function;

/**
 * attnc's CUDA kernels on the inputs that bench/gpu/compare.py wrote (the same bits PyTorch
 * timed): for each variant and tile shape, the block plan (timed: attnc's create_block_mask),
 * warm-up, the median of many launches timed with CUDA events, and a check of O and LSE against
 * FlexAttention's on a slice of the heads. One JSON line per (variant, tiles) in DIR/attnc.json.
 *
 * <pre>java --enable-native-access=ALL-UNNAMED -cp ... dev.attnc.bench.gpu.CudaBench DIR [TILES,...] [VARIANT,...]</pre>
 *
 * <p>The shape (B, H, S, D) and the variants' parameters come from DIR/meta.properties, written by
 * compare.py from {@code CMP_SHAPE}; when {@code CMP_SHAPE} is also set here it must agree. Without a
 * VARIANT list, the variants compare.py ran (meta's {@code variants}).
 */
public final class CudaBench {
    static final List<String> VARIANTS = List.of("full", "causal", "sliding_window", "alibi", "softcap", "document", "prefix_lm",
            "neighborhood_2d");
    /** BMxBN/WARPS, "w" for wgmma (Hopper), ":mbN" for N blocks per SM in __launch_bounds__. */
    /** The tile spec that takes what AttentionKernel would: the backend's plan, then its choice for the mask. */
    static final String AUTO = "auto";
    static final List<String> TILES = List.of("128x64/4", "128x64/8w", "128x128/8w", "192x128/12w");

    private CudaBench() {}

    public static void main(String[] argv) throws IOException {
        Path dir = Path.of(argv[0]);
        List<String> tiles = argv.length > 1 ? Arrays.asList(argv[1].split(",")) : TILES;
        int warmup = Integer.getInteger("attnc.bench.warmup", 3), reps = Integer.getInteger("attnc.bench.reps", 20);
        Properties meta = new Properties();
        try (Reader r = Files.newBufferedReader(dir.resolve("meta.properties"))) {
            meta.load(r);
        }
        int b = num(meta, "B"), h = num(meta, "H"), s = num(meta, "S"), d = num(meta, "D"), checkHeads = num(meta, "check_heads");
        int dv = meta.getProperty("DV") != null ? num(meta, "DV") : d; // V's and O's rows
        String envShape = System.getenv("CMP_SHAPE"), written = b + "," + h + "," + s + "," + d;
        if (envShape != null && !envShape.isBlank() && !List.of(written, written + "," + dv).contains(envShape.trim().replace('x', ','))) {
            throw new IllegalStateException("CMP_SHAPE=" + envShape + " but " + dir.resolve("meta.properties") + " was written for "
                    + written + "," + dv + ": run compare.py torch first");
        }
        List<String> variants = new ArrayList<>();
        for (String v : (argv.length > 2 ? argv[2] : meta.getProperty("variants", String.join(",", VARIANTS))).split(",")) {
            if (v.isBlank()) continue;
            if (meta.getProperty("pairs." + v.trim()) == null) {
                System.out.println("[bench] " + v.trim() + " skipped: compare.py did not run it (no pairs." + v.trim() + " in meta)");
            } else {
                variants.add(v.trim());
            }
        }
        Sizes sizes = new Sizes(b, h, h, s, s, d, dv);
        // layout bshd: the files hold [B, S, H, D]; the kernels get strided views of them ([B, H, S, D] seen through permute)
        boolean bshd = "bshd".equals(meta.getProperty("layout", "bhsd").trim());
        Tensor q = input(dir.resolve("q.bf16"), bshd, b, h, s, d);
        Tensor k = input(dir.resolve("k.bf16"), bshd, b, h, s, d);
        Tensor v = input(dir.resolve("v.bf16"), bshd, b, h, s, dv);
        System.out.printf(Locale.ROOT, "[bench] B=%d H=%d S=%d D=%d DV=%d layout %s variants %s%n", b, h, s, d, dv, bshd ? "bshd" : "bhsd", variants);
        Path samples = Files.isDirectory(Path.of("samples")) ? Path.of("samples") : Path.of("../samples");

        try (CudaBackend backend = new CudaBackend(0, null);
             PrintWriter json = new PrintWriter(Files.newBufferedWriter(dir.resolve("attnc.json")))) {
            System.out.println("[bench] " + backend.device());
            Map<String, Attention> attentions = new HashMap<>();
            List<KernelRequest> all = new ArrayList<>();
            for (String name : variants) {
                Attention a = attention(meta, samples, name);
                attentions.put(name, a);
                for (String t : tiles) if (!t.equals(AUTO)) all.add(new KernelRequest(a, DType.BF16, d, dv, tilePlan(t)));
            }
            long t0 = System.nanoTime();
            Map<KernelRequest, CudaCodegen.Options> opts = new HashMap<>();
            for (String name : variants) {
                for (String t : tiles) {
                    if (!t.equals(AUTO)) opts.put(new KernelRequest(attentions.get(name), DType.BF16, d, dv, tilePlan(t)), options(t, d));
                }
            }
            backend.precompile(all, opts::get, Runtime.getRuntime().availableProcessors());
            System.out.printf(Locale.ROOT, "[bench] %d kernels compiled in %.1f s%n", all.size(), (System.nanoTime() - t0) / 1e9);

            for (String name : variants) {
                Attention a = attentions.get(name);
                Map<String, Object> scalars = new HashMap<>();
                Map<String, Tensor> tensors = new HashMap<>();
                arguments(name, meta, dir, h, s, scalars, tensors);
                Map<String, TensorData> data = new HashMap<>();
                tensors.forEach((n, t) -> data.put(n, view(t)));
                Bindings bindings = new Bindings(scalars, data).complete(a);
                long pairs = Long.parseLong(meta.getProperty("pairs." + name));
                float[] refO = floats(dir.resolve("ref_" + name + ".o.f32"));
                float[] refL = floats(dir.resolve("ref_" + name + ".lse.f32"));
                for (String t : tiles) {
                    String line;
                    try {
                        boolean auto = t.equals(AUTO);
                        long p0 = System.nanoTime();
                        Function<TilePlan, BlockPlan> planner = x -> BlockPlanner.plan(a, sizes, bindings, x.blockM(), x.blockN());
                        // auto: the tiles AttentionKernel.prepare would run
                        Backend.Planned planned = auto ? backend.plan(a, DType.BF16, d, planner)
                                : new Backend.Planned(tilePlan(t), planner.apply(tilePlan(t)));
                        TilePlan tp = planned.tiles();
                        BlockPlan plan = planned.plan();
                        double planMs = (System.nanoTime() - p0) / 1e6;
                        KernelRequest request = new KernelRequest(a, DType.BF16, d, dv, tp);
                        String label = auto ? AUTO + " " + tp.describe() : t;
                        CudaKernel kernel = auto ? (CudaKernel) backend.compile(request) : backend.compile(request, options(t, d));
                        try (CudaKernel.Call call = kernel.prepare(new RunInputs(sizes, q, k, v, bindings.scalars(), tensors,
                                1.0 / Math.sqrt(d), plan))) {
                            if (bshd && !call.readsViewsInPlace()) {
                                throw new IllegalStateException("the [B,S,H,D] views were gathered, not read in place: " + kernel.describe());
                            }
                            call.launch();
                            RunOutputs out = call.outputs(0);
                            double[] err = compare(out, refO, refL, checkHeads, s, dv);
                            call.time(warmup);
                            float[] ms = call.time(reps);
                            Arrays.sort(ms);
                            double median = ms[ms.length / 2];
                            double tflops = 2.0 * (d + dv) * pairs * b * h / (median * 1e-3) / 1e12; // Q K^T and P V
                            boolean ok = err[0] <= 3e-2 && err[1] <= 1e-2 && err[2] == 0;
                            long[] c = plan.counts();
                            line = String.format(Locale.ROOT, "{\"variant\":\"%s\",\"tiles\":\"%s\",\"ms\":%.4f,\"min_ms\":%.4f,"
                                    + "\"tflops\":%.2f,\"ok\":%b,\"err_o\":%.3e,\"err_lse\":%.3e,\"nonfinite\":%d,\"regs\":%d,"
                                    + "\"local\":%d,\"plan\":\"%s E/F/P %d/%d/%d in %.1f ms\"}",
                                    name, label, median, ms[0], tflops, ok, err[0], err[1], (long) err[2], kernel.registers(),
                                    kernel.localBytes(), plan.method, c[0], c[1], c[2], planMs);
                            System.out.printf(Locale.ROOT, "[bench] %-15s %-10s %8.3f ms %6.1f TFLOP/s %s %s%n", name, label, median,
                                    tflops, ok ? "ok" : "CHECK FAILED", kernel.describe());
                        }
                    } catch (RuntimeException e) {
                        String msg = String.valueOf(e.getMessage()).replace('"', '\'').replace('\n', ' ');
                        line = String.format(Locale.ROOT, "{\"variant\":\"%s\",\"tiles\":\"%s\",\"ok\":false,\"error\":\"%s\"}", name, t,
                                msg.length() > 300 ? msg.substring(0, 300) : msg);
                        System.out.println("[bench] " + name + " " + t + " failed: " + e);
                    }
                    json.println(line);
                    json.flush();
                }
            }
        }
    }

    /**
     * A variant's attention: samples/NAME.attn, or where meta's {@code source.NAME} says
     * ({@code path[#attention]}, relative to the samples' parent: compare.py's normalised variants).
     */
    private static Attention attention(Properties meta, Path samples, String name) throws IOException {
        String source = meta.getProperty("source." + name);
        if (source == null) return Compilation.of(SourceFile.read(samples.resolve(name + ".attn"))).orThrow().optimized(null);
        String[] parts = source.split("#", 2);
        Path file = samples.toAbsolutePath().getParent().resolve(parts[0]);
        return Compilation.of(SourceFile.read(file)).orThrow().optimized(parts.length > 1 ? parts[1] : null);
    }

    /**
     * BMxBN/W (mma.sync), BMxBN/Ww (the FA2 loop on wgmma) or BMxBN/WhS (the warp-specialized
     * Hopper kernel with S stages, 2 when left out; W counts consumer warps), then :mbN for
     * {@code __launch_bounds__} min-blocks and :noov, :nopp, :nopers, :nol2 to turn off the Hopper kernel's
     * intra-warpgroup overlap, ping-pong, persistent grid or L2 sections of the tile order.
     */
    static CudaCodegen.Options options(String t, int d) {
        TilePlan tp = tilePlan(t);
        String shape = t.split(":")[0];
        CudaCodegen.Options o;
        if (shape.contains("h")) {
            String stages = shape.substring(shape.indexOf('h') + 1);
            o = CudaCodegen.Options.hopper(stages.isEmpty() ? 2 : Integer.parseInt(stages));
        } else {
            o = shape.endsWith("w") ? CudaCodegen.Options.wgmma(d, tp) : CudaCodegen.Options.defaults(d, tp);
        }
        // the Hopper schedule's overlaps, off one by one to measure each: :noov, :nopp, :nopers, :nol2
        o = o.withSchedule(new CudaCodegen.Schedule(!t.contains(":noov"), !t.contains(":nopp"), !t.contains(":nopers"),
                !t.contains(":nol2")));
        return t.contains(":mb") ? o.withMinBlocks(Integer.parseInt(t.substring(t.indexOf(":mb") + 3).split(":")[0])) : o;
    }

    static TilePlan tilePlan(String t) {
        String[] p = t.split(":")[0].replaceAll("h\\d*$", "").replace("w", "").split("[x/]");
        return new TilePlan(Integer.parseInt(p[0]), Integer.parseInt(p[1]), Integer.parseInt(p[2]));
    }

    /** [max |dO|, max |dLSE| (finite rows), non-finite count] over batch 0, heads 0 .. heads-1. */
    static double[] compare(RunOutputs out, float[] refO, float[] refL, int heads, int s, int d) {
        double eo = 0, el = 0, bad = 0;
        for (int i = 0; i < heads * s * d; i++) {
            double x = out.o().getDouble(i);
            if (!Double.isFinite(x)) bad++;
            else eo = Math.max(eo, Math.abs(x - refO[i]));
        }
        for (int i = 0; i < heads * s; i++) {
            double x = out.lse().getDouble(i);
            if (!Double.isFinite(x) || !Float.isFinite(refL[i])) {
                if (x != refL[i]) bad++;
            } else {
                el = Math.max(el, Math.abs(x - refL[i]));
            }
        }
        return new double[] {eo, el, bad};
    }

    /**
     * A variant's arguments as compare.py and backward.py write them (bench/gpu/flex_variants.py): its scalars from
     * meta, its tensors from DIR (document ids, ALiBi slopes, sink logits, backward.py's learned relative-position table).
     */
    static void arguments(String name, Properties meta, Path dir, int h, int s, Map<String, Object> scalars,
            Map<String, Tensor> tensors) throws IOException {
        switch (name) {
            case "sliding_window" -> scalars.put("window", num(meta, "window"));
            case "prefix_lm" -> scalars.put("prefix", num(meta, "prefix"));
            case "softcap" -> scalars.put("cap", Double.parseDouble(meta.getProperty("cap")));
            case "alibi" -> tensors.put("slopes", raw(dir.resolve("slopes.f32"), DType.F32, h));
            case "document" -> tensors.put("doc", raw(dir.resolve("doc.i32"), DType.I32, s));
            case "sinks", "sinks_local" -> tensors.put("sinks", raw(dir.resolve("sinks.f32"), DType.F32, h));
            case "relative_bias" -> tensors.put("bias", raw(dir.resolve("rel.f32"), DType.F32, h, 2L * s - 1));
            case "neighborhood_2d" -> {
                scalars.put("W", num(meta, "nb_w"));
                scalars.put("R", num(meta, "nb_r"));
            }
            default -> {}
        }
    }

    static int num(Properties p, String key) {
        return Integer.parseInt(p.getProperty(key).trim());
    }

    /** Q, K or V from compare.py's file: [B, H, S, D], or with {@code bshd} [B, S, H, D] seen as [B, H, S, D] (a strided view, no copy). */
    private static Tensor input(Path file, boolean bshd, int b, int h, int s, int d) throws IOException {
        return bshd ? raw(file, DType.BF16, b, s, h, d).permute(0, 2, 1, 3) : raw(file, DType.BF16, b, h, s, d);
    }

    /** A raw little-endian file as a tensor, memory-mapped (no copy, no conversion). */
    static Tensor raw(Path file, DType dtype, long... shape) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            MemorySegment seg = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), Arena.global());
            return Tensor.wrap(dtype, seg, shape);
        }
    }

    static float[] floats(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        float[] f = new float[bytes.length / 4];
        MemorySegment.copy(MemorySegment.ofArray(bytes), ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0,
                f, 0, f.length);
        return f;
    }

    private static TensorData view(Tensor t) {
        return new TensorData() {
            public long[] shape() {
                return t.shape();
            }

            public double get(long i) {
                return t.getDouble(i);
            }
        };
    }
}
