package dev.attnc.bench.gpu;

import dev.attnc.DType;
import dev.attnc.Tensor;
import dev.attnc.backend.KernelRequest;
import dev.attnc.backend.RunInputs;
import dev.attnc.backend.RunOutputs;
import dev.attnc.backend.cuda.CudaBackend;
import dev.attnc.backend.cuda.CudaKernel;
import dev.attnc.compiler.Compilation;
import dev.attnc.compiler.diag.SourceFile;
import dev.attnc.compiler.interp.Bindings;
import dev.attnc.compiler.ir.Attention;
import dev.attnc.compiler.plan.TilePlan;
import dev.attnc.compiler.sparsity.BlockPlanner;
import dev.attnc.kernel.BlockPlan;
import dev.attnc.kernel.Sizes;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;

/**
 * attnc's CUDA decode program on the inputs that bench/gpu/decode.py wrote (the same bits PyTorch
 * timed), one directory per shape B x Q_LEN x KV_LEN: the attention of samples/full.attn for one query
 * row, else bench/gpu/variants/decode_causal.attn (causal aligned to the end of the cache); the block
 * plan and the call prepared once (inputs uploaded), then the kernels alone timed with CUDA events (L2
 * flushed before each run, as triton's do_bench does for PyTorch), the median of many runs; O checked
 * against PyTorch's. One JSON line per shape in DIR/attnc_decode.json.
 *
 * <pre>java --enable-native-access=ALL-UNNAMED -cp ... dev.attnc.bench.gpu.CudaDecodeBench DIR</pre>
 */
public final class CudaDecodeBench {
    static final int H = 32, H_KV = 8, D = 128;

    private CudaDecodeBench() {}

    public static void main(String[] argv) throws IOException {
        Path dir = Path.of(argv[0]);
        int reps = Integer.getInteger("attnc.bench.reps", 100);
        try (CudaBackend backend = new CudaBackend(0); PrintWriter json = new PrintWriter(Files.newBufferedWriter(dir.resolve("attnc_decode.json")))) {
            System.out.println("[attnc] " + backend.device());
            try (var shapes = Files.list(dir)) {
                for (Path shapeDir : shapes.filter(Files::isDirectory).sorted().toList()) {
                    int[] bqk = Arrays.stream(shapeDir.getFileName().toString().split("x")).mapToInt(Integer::parseInt).toArray();
                    Sizes s = new Sizes(bqk[0], H, H_KV, bqk[1], bqk[2], D);
                    Tensor q = CudaBench.raw(shapeDir.resolve("q.bf16"), DType.BF16, s.B(), H, s.Q_LEN(), D);
                    Tensor k = CudaBench.raw(shapeDir.resolve("k.bf16"), DType.BF16, s.B(), H_KV, s.KV_LEN(), D);
                    Tensor v = CudaBench.raw(shapeDir.resolve("v.bf16"), DType.BF16, s.B(), H_KV, s.KV_LEN(), D);
                    Attention a = attention(s.Q_LEN() == 1 ? Path.of("samples/full.attn") : Path.of("bench/gpu/variants/decode_causal.attn"));
                    Bindings bindings = new Bindings(Map.of(), Map.of()).complete(a);
                    TilePlan tiles = backend.tilePlan(D);
                    CudaKernel kernel = (CudaKernel) backend.compile(new KernelRequest(a, DType.BF16, D, tiles));
                    long t0 = System.nanoTime();
                    BlockPlan plan = BlockPlanner.plan(a, s, bindings, tiles.blockM(), tiles.blockN());
                    double planMs = (System.nanoTime() - t0) / 1e6;
                    RunInputs in = new RunInputs(s, q, k, v, bindings.scalars(), Map.of(), 1.0 / Math.sqrt(D), plan);
                    float[] denseO = null;
                    String tag = shapeDir.getFileName().toString();
                    try (CudaKernel.Call call = kernel.prepare(in)) {
                        call.launch();
                        String check = check(call.outputs(0).o(), CudaBench.floats(shapeDir.resolve("o_ref.f32")));
                        float[] ms = call.time(reps);
                        Arrays.sort(ms);
                        double median = ms[reps / 2];
                        double tbs = 2.0 * s.B() * H_KV * s.KV_LEN() * D * 2 / (median * 1e-3) / 1e12;
                        denseO = call.outputs(0).o().toFloatArray();
                        System.out.printf(Locale.ROOT, "attnc %-14s %8.1f us %5.2f TB/s  plan %.2f ms  %s  %s%n", tag, median * 1000, tbs, planMs,
                                call.decodeShape(), check);
                        json.printf(Locale.ROOT, "{\"shape\": \"%s\", \"ms\": %.5f, \"tbs\": %.3f, \"plan_ms\": %.3f, \"kernel\": \"%s\", \"check\": \"%s\"}%n",
                                tag, median, tbs, planMs, call.decodeShape(), check);
                        json.flush();
                    }
                    int page = Integer.getInteger("attnc.bench.page", 16);
                    if (page > 0 && s.KV_LEN() % page == 0) {
                        // the same cache in pages of `page` rows behind a shuffled table, every sequence full length
                        Tensor table = pageTable(s.B(), s.KV_LEN() / page, 5);
                        Tensor pk = Tensor.paged(pages(k, table, page), table), pv = Tensor.paged(pages(v, table, page), table);
                        int[] lens = new int[s.B()];
                        Arrays.fill(lens, s.KV_LEN());
                        RunInputs pin = new RunInputs(s, q, pk, pv, bindings.scalars(), Map.of(), 1.0 / Math.sqrt(D), plan, lens);
                        try (CudaKernel.Call call = kernel.prepare(pin)) {
                            call.launch();
                            String same = Arrays.equals(denseO, call.outputs(0).o().toFloatArray()) ? "= contiguous bit for bit" : "DIFFERS from contiguous";
                            float[] ms = call.time(reps);
                            Arrays.sort(ms);
                            double median = ms[reps / 2];
                            double tbs = 2.0 * s.B() * H_KV * s.KV_LEN() * D * 2 / (median * 1e-3) / 1e12;
                            System.out.printf(Locale.ROOT, "attnc %-14s %8.1f us %5.2f TB/s  pages of %d  %s%n", tag + "p" + page, median * 1000, tbs, page, same);
                            json.printf(Locale.ROOT, "{\"shape\": \"%s\", \"ms\": %.5f, \"tbs\": %.3f, \"kernel\": \"paged %d\", \"check\": \"%s\"}%n",
                                    tag + "p" + page, median, tbs, page, same);
                            json.flush();
                        }
                    }
                }
            }
        }
    }

    /** [B, pages]: a permutation of all B·pages pages. */
    static Tensor pageTable(int b, int perSequence, long seed) {
        java.util.List<Integer> order = new java.util.ArrayList<>();
        for (int i = 0; i < b * perSequence; i++) order.add(i);
        java.util.Collections.shuffle(order, new java.util.Random(seed));
        return Tensor.ofInts(order.stream().mapToInt(Integer::intValue).toArray(), b, perSequence);
    }

    /** [num_pages, page, H_KV, D] holding a dense [B, H_KV, KV_LEN, D] cache's rows where the table says: row copies. */
    static Tensor pages(Tensor t, Tensor table, int page) {
        int b = (int) t.dim(0), heads = (int) t.dim(1), len = (int) t.dim(2), d = (int) t.dim(3), per = (int) table.dim(1);
        Tensor out = Tensor.allocate(t.dtype(), (long) b * per, page, heads, d);
        long rowBytes = (long) d * t.dtype().byteSize();
        for (int seq = 0; seq < b; seq++) {
            for (int h = 0; h < heads; h++) {
                for (int kv = 0; kv < len; kv++) {
                    long p = table.getLong((long) seq * per + kv / page);
                    long dst = ((p * page + kv % page) * heads + h) * rowBytes;
                    long src = (((long) seq * heads + h) * len + kv) * rowBytes;
                    java.lang.foreign.MemorySegment.copy(t.segment(), src, out.segment(), dst, rowBytes);
                }
            }
        }
        return out;
    }

    /** The largest error of O relative to PyTorch's largest magnitude. */
    static String check(Tensor o, float[] ref) {
        double max = 0, err = 0;
        for (int i = 0; i < ref.length; i++) {
            max = Math.max(max, Math.abs(ref[i]));
            double x = o.getDouble(i);
            err = Math.max(err, Double.isNaN(x) ? Double.POSITIVE_INFINITY : Math.abs(x - ref[i]));
        }
        double rel = err / Math.max(max, 1e-30);
        return String.format(Locale.ROOT, "%s %.1e", rel < 2e-2 ? "ok" : "MISMATCH", rel);
    }

    static Attention attention(Path file) throws IOException {
        Compilation c = Compilation.of(SourceFile.read(file)).orThrow();
        return c.optimized(c.attentionNames().getFirst());
    }
}
