package dev.attnc.cli;

import dev.attnc.AttentionKernel;
import dev.attnc.AttnInputException;
import dev.attnc.Attnc;
import dev.attnc.Backends;
import dev.attnc.Check;
import dev.attnc.DType;
import dev.attnc.Inputs;
import dev.attnc.KeptPairs;
import dev.attnc.Program;
import dev.attnc.Result;
import dev.attnc.Target;
import dev.attnc.Tensor;
import dev.attnc.compiler.ir.Attention;
import dev.attnc.kernel.Sizes;
import dev.attnc.io.Npy;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code attnc run}: one call of an attention on a backend, from .npy files or random inputs. */
@Command(mixinStandardHelpOptions = true, name = "run", description = "Run an attention on Q, K, V (.npy files or random data of a shape).")
final class RunCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "FILE")
    Path file;

    @Option(names = "--attention", paramLabel = "NAME", description = "which attention (may be left out when the file has one)")
    String attention;

    @Option(names = "--target", paramLabel = "TARGET", defaultValue = "java", description = "java (default), opencl or cuda")
    String target;

    @Option(names = "--device", paramLabel = "N", defaultValue = "0", description = "device number, as `attnc devices` lists them")
    int device;

    static final class Data {
        @ArgGroup(exclusive = false)
        Files files;

        @Option(names = "--shape", paramLabel = RandomInputs.SHAPE,
                description = "random inputs of this shape; DV, when given, is V's (and O's) last dimension, else D")
        String shape;
    }

    static final class Files {
        @Option(names = "--q", required = true, paramLabel = "Q.npy") Path q;
        @Option(names = "--k", paramLabel = "K.npy", description = "K [B, H_KV, KV_LEN, D] (or --pages)") Path k;
        @Option(names = "--v", paramLabel = "V.npy", description = "V [B, H_KV, KV_LEN, D] (or --pages)") Path v;

        @Option(names = "--pages", paramLabel = "K.npy,V.npy", split = ",",
                description = "K and V as paged caches instead of --k and --v: two files of [num_pages, page_size, H_KV, D], with --page-table")
        List<Path> pages;

        @Option(names = "--page-table", paramLabel = "T.npy",
                description = "with --pages: int [B, max_pages]; row kv of sequence b is in page T[b, kv / page_size]")
        Path pageTable;

        /** K and V from --k and --v, or paged from --pages and --page-table. */
        Tensor[] keysAndValues(Layout layout) throws java.io.IOException {
            boolean paged = pages != null || pageTable != null;
            if (paged == (k != null || v != null)) {
                throw new AttnInputException("give K and V either as --k and --v or as --pages K.npy,V.npy with --page-table, not "
                        + (paged ? "both" : "neither"));
            }
            if (!paged) {
                if (k == null || v == null) throw new AttnInputException("--k and --v go together");
                return new Tensor[] {layout.read(Npy.read(k)), layout.read(Npy.read(v))};
            }
            if (pages == null || pages.size() != 2 || pageTable == null) {
                throw new AttnInputException("--pages takes two files, K.npy,V.npy, and needs --page-table");
            }
            Tensor table = Npy.read(pageTable);
            return new Tensor[] {Tensor.paged(Npy.read(pages.get(0)), table), Tensor.paged(Npy.read(pages.get(1)), table)};
        }
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Data data;

    @Option(names = "--layout", paramLabel = "bhsd|bshd", defaultValue = "bhsd", converter = LayoutConverter.class,
            description = "how Q, K, V (and --dout) files and the outputs O (and dq, dk, dv) lay out their dimensions: "
                    + "[B, H, S, D] (default) or [B, S, H, D], read as strided views, not copied")
    Layout layout;

    static final class LayoutConverter implements picocli.CommandLine.ITypeConverter<Layout> {
        public Layout convert(String value) {
            return Layout.parse(value);
        }
    }

    @Option(names = "--kv-lens", paramLabel = "L.npy",
            description = "each sequence's KV_LEN: int [B], each in [0, KV_LEN]; sequence b attends to its first L[b] keys "
                    + "and KV_LEN in its score and mask is L[b]")
    Path kvLens;

    @Option(names = "--dtype", paramLabel = "DTYPE", defaultValue = "f32", description = "storage type of random inputs: f32, f16, bf16")
    String dtype;

    @Option(names = "--seed", defaultValue = "1", description = "seed of random inputs")
    long seed;

    @Option(names = "--arg", paramLabel = "NAME=VALUE", description = "an argument: a number, true/false, or a .npy file for a tensor")
    List<String> args = new ArrayList<>();

    @Option(names = "--random-args", description = "fill arguments that are not given: tensors with random data of their shape (floats in (0, 1]);"
            + " ints without a default with sqrt(KV_LEN), floats with 1.0, bools with true")
    boolean randomArgs;

    @Option(names = "--scale", paramLabel = "S", description = "softmax scale (default 1/sqrt(D))")
    Double scale;

    @Option(names = "--repeat", paramLabel = "N", defaultValue = "1",
            description = "time N more runs after the first (which warms up the JIT or the device) and report their median")
    int repeat;

    @Option(names = "--out", paramLabel = "O.npy") Path out;

    @Option(names = "--lse", paramLabel = "LSE.npy") Path lse;

    @Option(names = "--check", description = "compare with the reference interpreter (the gradients too, with --dout); exit 3 if it differs")
    boolean check;

    @Option(names = "--dout", paramLabel = "DO.npy|random",
            description = "run the backward pass too, for this gradient of O (O's shape and dtype; `random` for random values)")
    String dout;

    @Option(names = "--dlse", paramLabel = "DLSE.npy", description = "with --dout: the gradient of LSE ([B, H, Q_LEN] float32)")
    Path dlse;

    @Option(names = "--grads", paramLabel = "DIR",
            description = "with --dout: write dq.npy, dk.npy, dv.npy and d_<param>.npy for each float parameter the score reads into DIR")
    Path grads;

    @Option(names = "--atomic-grads", description = "with --dout: sum parameter gradients with atomics (not reproducible bit for bit)")
    boolean atomicGrads;

    @Option(names = "--no-grad", paramLabel = "PARAM", split = ",",
            description = "with --dout: compute no gradient for these parameters (values kept fixed, as tensors without requires_grad)")
    List<String> noGrad = List.of();

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Program program = Attnc.compile(file);
        if (scale != null && !Double.isFinite(scale)) throw new AttnInputException("--scale must be a finite number, but is " + scale);
        OutputFiles outputs = new OutputFiles().add("--out", out).add("--lse", lse);
        if (dout == null && !noGrad.isEmpty()) throw new AttnInputException("--no-grad needs --dout");
        Attention ir = AttentionKernel.withoutGradients(program.ir(attention), noGrad);
        BackwardRun backward = dout == null ? BackwardRun.none(dlse, grads, atomicGrads)
                : new BackwardRun(dout, dlse, grads, atomicGrads, ir, outputs);
        Map<String, Object> arguments = new LinkedHashMap<>(Args.parse(args));
        PrintWriter o = spec.commandLine().getOut();
        try (AttentionKernel opened = program.kernel(attention, Backends.open(Target.parse(target), device))) {
            AttentionKernel kernel = opened.withoutGradients(noGrad);
            Tensor[] qkv;
            if (data.shape != null) {
                Sizes shape = RandomInputs.parseShape(data.shape);
                kernel.checkSupported(shape, DType.parse(dtype)); // before allocating what the backend cannot take
                qkv = java.util.Arrays.stream(RandomInputs.qkv(shape, DType.parse(dtype), seed)).map(layout::stored).toArray(Tensor[]::new);
            } else {
                Tensor[] kv = data.files.keysAndValues(layout);
                qkv = new Tensor[] {layout.read(Npy.read(data.files.q)), kv[0], kv[1]};
            }
            Sizes sizes = dev.attnc.Inputs.sizes(qkv[0], qkv[1], qkv[2]);
            if (randomArgs) RandomInputs.fillTensors(kernel.attention(), sizes, arguments, seed);
            AttentionKernel.Prepared prepared = kernel.prepare(qkv[0], qkv[1], qkv[2], arguments, scale == null ? Double.NaN : scale,
                    kvLens == null ? null : Npy.read(kvLens));
            if (dout != null) kernel.checkBackwardSupported(prepared); // before the forward runs
            Result r = kernel.run(prepared);
            long nanos = repeat > 1 ? median(kernel, prepared, repeat) : r.kernelNanos();
            long[] counts = r.plan().counts();
            o.printf(Locale.ROOT, "%s on %s (%s), %s %s%n", kernel.attention().name(), kernel.backend().name(), kernel.backend().device(),
                    qkv[0].dtype().displayName(), shapeText(sizes));
            o.printf(Locale.ROOT, "plan: %s, %dx%d tiles: %d full, %d partial, %d empty%n", r.plan().method, r.plan().blockM,
                    r.plan().blockN, counts[1], counts[2], counts[0]);
            long kept = KeptPairs.count(kernel.attention(), sizes, new Inputs.Bound(prepared.inputs().scalars(), prepared.inputs().tensors()).bindings(), r.plan(),
                    prepared.inputs().kvLens());
            double flops = 2.0 * (sizes.D() + sizes.DV()) * kept;
            o.printf(Locale.ROOT, "kernel: %.3f ms%s, %d kept pairs (%.1f%%), %s%n", nanos / 1e6,
                    repeat > 1 ? " (median of " + repeat + " runs after a warm-up)" : " (one cold run; --repeat N for a steady-state time)", kept,
                    100.0 * kept / ((double) sizes.B() * sizes.H() * sizes.Q_LEN() * sizes.KV_LEN()), rate(flops, nanos));
            Map<String, Tensor> written = new LinkedHashMap<>(Map.of("--out", layout.written(r.o()), "--lse", r.lse()));
            boolean gradientsPassed = backward.run(kernel, prepared, qkv, arguments, scale == null ? Double.NaN : scale, r, seed, check, o,
                    written, layout);
            outputs.write(written);
            if (check) {
                Check.Report report = Check.against(kernel.attention(), prepared.inputs(), r,
                        prepared.kernel().effectiveStorage(qkv[0].dtype()));
                o.printf(Locale.ROOT, "check against the reference: max |dO| = %.3g, max |dLSE| = %.3g, non-finite = %d (tolerance %.0e): %s%n",
                        report.maxErrorO(), report.maxErrorLse(), report.nonFinite(), report.tolerance(), report.passed() ? "ok" : "FAILED");
                o.flush();
                return report.passed() && gradientsPassed ? Main.OK : Main.CHECK_FAILED;
            }
        }
        o.flush();
        return Main.OK;
    }

    private static long median(AttentionKernel kernel, AttentionKernel.Prepared prepared, int runs) {
        long[] t = new long[runs];
        for (int i = 0; i < runs; i++) t[i] = kernel.run(prepared).kernelNanos();
        java.util.Arrays.sort(t);
        return t[runs / 2];
    }

    /** GFLOP/s, or TFLOP/s past a thousand of them (2·(D + DV) flops per kept pair: Q·K and P·V). */
    static String rate(double flops, long nanos) {
        double gflops = flops / Math.max(1, nanos);
        return gflops >= 1000 ? String.format(Locale.ROOT, "%.1f TFLOP/s", gflops / 1000) : String.format(Locale.ROOT, "%.1f GFLOP/s", gflops);
    }

    static String shapeText(Sizes s) {
        return String.format(Locale.ROOT, "B=%d H=%d H_KV=%d Q_LEN=%d KV_LEN=%d D=%d", s.B(), s.H(), s.H_KV(), s.Q_LEN(), s.KV_LEN(), s.D())
                + (s.DV() == s.D() ? "" : " DV=" + s.DV());
    }
}
