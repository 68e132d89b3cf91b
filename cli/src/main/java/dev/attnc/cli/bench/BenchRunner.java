package dev.attnc.cli.bench;

import dev.attnc.AttentionKernel;
import dev.attnc.Backends;
import dev.attnc.DType;
import dev.attnc.Tensor;
import dev.attnc.backend.Backend;
import dev.attnc.baseline.Baselines;
import dev.attnc.kernel.Sizes;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs {@code attnc bench}: every variant on every shape, on one backend (and its handwritten
 * kernels with {@code --baselines}); the same Q, K and V for every variant of a shape.
 */
public final class BenchRunner {
    private final BenchConfig cfg;
    private final PrintWriter err;

    public BenchRunner(BenchConfig cfg, PrintWriter err) {
        this.cfg = cfg;
        this.err = err;
    }

    public BenchReport run() {
        List<Measurement> rows = new ArrayList<>();
        Map<Sizes, Tensor[]> inputs = new HashMap<>();
        Progress progress = new Progress(err, cfg.variants().size() * cfg.shapes().size());
        String device;
        try (Backend backend = Backends.open(cfg.target(), cfg.device());
             Baselines baselines = cfg.baselines() ? new Baselines(cfg.target(), cfg.device()) : null) {
            device = backend.device();
            err.println("attnc bench on " + backend.name() + ": " + device);
            InputDump dump = cfg.dumpInputs() == null ? null : new InputDump(cfg.dumpInputs(), cfg, device);
            CaseRunner cases = new CaseRunner(cfg, progress, baselines, dump);
            for (Variant v : cfg.variants()) {
                AttentionKernel kernel = v.program().kernel(v.name(), backend);
                for (Sizes s : cfg.shapes()) {
                    progress.start(v.name() + " " + Shapes.text(s) + " " + cfg.dtype().displayName());
                    Tensor[] qkv = inputs.computeIfAbsent(s, x -> {
                        Tensor[] t = randomQkv(x, cfg.dtype(), cfg.seed());
                        if (dump != null) dump.shape(x, t);
                        return t;
                    });
                    rows.addAll(cases.run(v, kernel, s, qkv));
                }
            }
            progress.end();
            if (dump != null) dump.finish();
        }
        return new BenchReport(cfg.target().word(), device, cfg.dtype().displayName(), cfg.warmup(), cfg.warmupSeconds(), cfg.runs(),
                rows, null);
    }

    /** Q, K, V as {@code attnc run --shape} makes them: seeds seed, seed + 1, seed + 2. */
    static Tensor[] randomQkv(Sizes s, DType dtype, long seed) {
        return new Tensor[] {
            Tensor.random(dtype, seed, s.B(), s.H(), s.Q_LEN(), s.D()),
            Tensor.random(dtype, seed + 1, s.B(), s.H_KV(), s.KV_LEN(), s.D()),
            Tensor.random(dtype, seed + 2, s.B(), s.H_KV(), s.KV_LEN(), s.D())};
    }
}
