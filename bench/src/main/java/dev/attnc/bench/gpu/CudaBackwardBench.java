package dev.attnc.bench.gpu;

import dev.attnc.DType;
import dev.attnc.Gradients;
import dev.attnc.Inputs;
import dev.attnc.Tensor;
import dev.attnc.backend.BackwardInputs;
import dev.attnc.backend.BackwardKernel;
import dev.attnc.backend.CompiledKernel;
import dev.attnc.backend.KernelRequest;
import dev.attnc.backend.RunInputs;
import dev.attnc.backend.RunOutputs;
import dev.attnc.backend.cuda.CudaBackend;
import dev.attnc.compiler.Compilation;
import dev.attnc.compiler.diag.SourceFile;
import dev.attnc.compiler.grad.Gradient;
import dev.attnc.compiler.interp.Bindings;
import dev.attnc.compiler.interp.TensorData;
import dev.attnc.compiler.ir.Attention;
import dev.attnc.compiler.plan.TilePlan;
import dev.attnc.compiler.target.Decision;
import dev.attnc.compiler.target.DeviceCaps;
import dev.attnc.compiler.target.TargetPolicy;
import dev.attnc.compiler.sparsity.BlockPlanner;
import dev.attnc.kernel.BlockPlan;
import dev.attnc.kernel.Sizes;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;

/**
 * attnc's CUDA backward on the inputs that bench/gpu/backward.py wrote (the same bits PyTorch timed):
 * per variant the forward (for O and LSE), then the backward alone (the zeroing of what it adds into, Δ,
 * dK/dV, dQ and the parameters' reduce) on inputs kept on the device: warm-up, then many runs queued back
 * to back with L2 emptied before each and timed by CUDA events (BackwardKernel.Session: triton's do_bench
 * method, by which backward.py times PyTorch), the median; dQ, dK, dV of the last timed run checked against
 * FlexAttention's on batch 0, heads 0..1; then forward + backward (a training step's attention): the
 * forward's median and the backward's, each timed so, summed.
 * One JSON line per variant in DIR/attnc_bwd.json.
 *
 * <pre>java --enable-native-access=ALL-UNNAMED -cp ... dev.attnc.bench.gpu.CudaBackwardBench DIR</pre>
 */
public final class CudaBackwardBench {
    private CudaBackwardBench() {}

    public static void main(String[] argv) throws IOException {
        Path dir = Path.of(argv[0]);
        int warmup = Integer.getInteger("attnc.bench.warmup", 2), reps = Integer.getInteger("attnc.bench.reps", 30);
        Properties meta = new Properties();
        try (Reader r = Files.newBufferedReader(dir.resolve("meta_bwd.properties"))) {
            meta.load(r);
        }
        int b = CudaBench.num(meta, "B"), h = CudaBench.num(meta, "H"), s = CudaBench.num(meta, "S"), d = CudaBench.num(meta, "D"), checkHeads = CudaBench.num(meta, "check_heads");
        Sizes sizes = new Sizes(b, h, h, s, s, d);
        Tensor q = CudaBench.raw(dir.resolve("q.bf16"), DType.BF16, b, h, s, d);
        Tensor k = CudaBench.raw(dir.resolve("k.bf16"), DType.BF16, b, h, s, d);
        Tensor v = CudaBench.raw(dir.resolve("v.bf16"), DType.BF16, b, h, s, d);
        Tensor dO = CudaBench.raw(dir.resolve("do.bf16"), DType.BF16, b, h, s, d);
        try (CudaBackend backend = new CudaBackend(0); PrintWriter json = new PrintWriter(Files.newBufferedWriter(dir.resolve("attnc_bwd.json")))) {
            System.out.println("[attnc] " + backend.device());
            // what the policy builds (TargetPolicy.cudaBackward): -Dattnc.cuda.engine=mma times mma.sync on Hopper
            Decision.Cuda build = TargetPolicy.cudaBackward((DeviceCaps.Cuda) backend.policy().caps(), d, d, backend.policy().options());
            System.out.println("[attnc] backward " + build.arch() + " " + build.options().engine().name().toLowerCase(Locale.ROOT));
            boolean allGradients = Boolean.getBoolean("attnc.bench.allGradients");
            // -Dattnc.bench.perRun=true: sessions' earlier method, for comparison: each run a whole call (uploads,
            // then the kernels timed by two events with the host queuing them inside, no L2 flush)
            boolean perRun = Boolean.getBoolean("attnc.bench.perRun");
            for (String name : meta.getProperty("variants").split(",")) {
                Attention a = attention(name);
                // the gradients PyTorch computes (backward.py): of its learned table only; ALiBi's slopes and the soft-cap
                // are constants there, so they get none here either (-Dattnc.bench.allGradients=true: every one)
                List<String> fixed = new ArrayList<>(Gradient.ofBackward(a).parameters());
                if (name.equals("relative_bias")) fixed.remove("bias");
                if (!allGradients) a = a.withoutGradients(fixed);
                Map<String, Object> scalars = new HashMap<>();
                Map<String, Tensor> tensors = new HashMap<>();
                CudaBench.arguments(name, meta, dir, h, s, scalars, tensors);
                Map<String, TensorData> data = new HashMap<>();
                tensors.forEach((n, t) -> data.put(n, Inputs.view(t)));
                Bindings bindings = new Bindings(scalars, data).complete(a);
                TilePlan tiles = backend.tilePlan(d);
                KernelRequest request = new KernelRequest(a, DType.BF16, d, tiles);
                BlockPlan plan = BlockPlanner.plan(a, sizes, bindings, tiles.blockM(), tiles.blockN());
                double scale = 1.0 / Math.sqrt(d);
                RunInputs in = new RunInputs(sizes, q, k, v, bindings.scalars(), tensors, scale, plan);
                CompiledKernel fwd = backend.compile(request);
                RunOutputs out = fwd.run(in);
                BackwardKernel bwd = backend.compileBackward(request);
                // the backward alone: its inputs on the device once, runs queued back to back, L2 emptied before
                // each (do_bench's method, as PyTorch's figures are taken); checked on the last timed run
                double median;
                Gradients g;
                BackwardInputs bin = new BackwardInputs(in, out.o(), out.lse(), dO, null, null, false);
                try (BackwardKernel.Session session = perRun ? eachRunWhole(bwd).session(bin) : bwd.session(bin)) {
                    session.time(warmup);
                    median = medianMs(session.time(reps));
                    g = session.gradients();
                }
                double pairs = (double) b * h * Long.parseLong(meta.getProperty("pairs." + name).trim()); // kept, of all (b, h)
                double tflops = 2.5 * 4.0 * d * pairs / (median * 1e-3) / 1e12;
                String check = check(dir, name, g, checkHeads, s, d);
                // a training step's attention: the forward (O and LSE), then the backward from them; each one's runs
                // timed as above, the step the sum of their medians (each with L2 emptied: do_bench's step flushes once)
                double step;
                try (CompiledKernel.Session f = fwd.session(in);
                        BackwardKernel.Session bs = perRun ? eachRunWhole(bwd).session(bin) : bwd.session(bin)) {
                    long[] fwdNanos = new long[reps];
                    for (int i = 0; i < warmup; i++) f.launch();
                    for (int i = 0; i < reps; i++) fwdNanos[i] = f.launch();
                    bs.time(warmup);
                    step = medianMs(fwdNanos) + medianMs(bs.time(reps));
                }
                double stepTflops = 3.5 * 4.0 * d * pairs / (step * 1e-3) / 1e12;
                String form = TargetPolicy.cudaBackwardForm(a, d, build, backend.policy().options()).name().toLowerCase(Locale.ROOT);
                System.out.printf(Locale.ROOT, "attnc %-14s %8.3f ms %7.1f TFLOP/s  dQ %s  %s  forward+backward %8.3f ms %7.1f TFLOP/s%s%n",
                        name, median, tflops, form, check, step, stepTflops, a.frozen().isEmpty() ? "" : "  no gradient for " + a.frozen());
                json.printf(Locale.ROOT, "{\"variant\": \"%s\", \"ms\": %.4f, \"tflops\": %.2f, \"check\": \"%s\", \"step_ms\": %.4f, \"step_tflops\": %.2f}%n",
                        name, median, tflops, check, step, stepTflops);
                json.flush();
            }
        }
    }

    /** {@code bwd} with the interface's own session: each of its runs a whole {@link BackwardKernel#run}. */
    private static BackwardKernel eachRunWhole(BackwardKernel bwd) {
        return new BackwardKernel() {
            public String source() {
                return bwd.source();
            }

            public dev.attnc.backend.KernelRequest request() {
                return bwd.request();
            }

            public Gradients run(BackwardInputs inputs) {
                return bwd.run(inputs);
            }
        };
    }

    /** The median of runs' times in nanoseconds, in milliseconds. */
    private static double medianMs(long[] nanos) {
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2] / 1e6;
    }

    /** The largest error of dQ, dK, dV on the checked heads relative to FlexAttention's largest magnitude, or why there is none. */
    static String check(Path dir, String name, Gradients g, int heads, int s, int d) throws IOException {
        if (!Files.exists(dir.resolve("ref_" + name + ".dq.f32"))) return "no FlexAttention reference";
        StringBuilder out = new StringBuilder();
        for (var e : Map.of("dq", g.dq(), "dk", g.dk(), "dv", g.dv()).entrySet().stream().sorted(Map.Entry.comparingByKey()).toList()) {
            float[] ref = CudaBench.floats(dir.resolve("ref_" + name + "." + e.getKey() + ".f32"));
            double max = 0, err = 0;
            for (int i = 0; i < ref.length; i++) {
                max = Math.max(max, Math.abs(ref[i]));
                double x = e.getValue().getDouble(i); // batch 0, heads 0..heads-1: the first elements
                err = Math.max(err, Double.isNaN(x) ? Double.POSITIVE_INFINITY : Math.abs(x - ref[i]));
            }
            out.append(String.format(Locale.ROOT, "%s %.1e ", e.getKey(), err / Math.max(max, 1e-30)));
        }
        return out.toString().strip();
    }

    static Attention attention(String name) throws IOException {
        Compilation c = Compilation.of(SourceFile.read(Path.of("samples", name + ".attn"))).orThrow();
        return c.optimized(c.attentionNames().getFirst());
    }

}
