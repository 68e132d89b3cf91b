package dev.attnc.cli.bench;

import dev.attnc.AttentionKernel;
import dev.attnc.AttnInputException;
import dev.attnc.Check;
import dev.attnc.DeviceException;
import dev.attnc.Gradients;
import dev.attnc.Tensor;
import dev.attnc.backend.RunInputs;
import dev.attnc.backend.RunOutputs;
import dev.attnc.kernel.Sizes;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * {@code attnc bench --backward}: after the forward, the backward pass (contender "attnc backward")
 * and forward + backward ("attnc fwd+bwd") of one variant on one shape (and, for a variant with
 * parameter gradients, the backward with atomic parameter sums: "attnc backward, atomic"), timed taking turns, each
 * run's time the kernels' own. The gradients are checked against the reference backward first, on
 * the inputs the forward was checked on (the timed ones, or a reduced copy). FLOPs count 2.5× the
 * forward's for the backward (FlashAttention's convention), 3.5× for both ({@link Measurement#flops}).
 */
final class BackwardCase {
    private BackwardCase() {}

    static List<Measurement> run(BenchConfig cfg, Progress progress, Variant v, AttentionKernel kernel, Sizes s,
            AttentionKernel.Prepared timed, AttentionKernel.Prepared checkedOn, boolean reduced, long pairs) {
        List<Measurement> rows = new ArrayList<>();
        CheckResult check = checkResult(kernel, checkedOn, reduced, cfg, false);
        progress.part("| backward " + (check.report() == null ? "check skipped" : check.report().passed() ? "check ok" : "check FAILED"));
        RunInputs in = timed.inputs();
        RunOutputs forward = timed.kernel().run(in);
        Tensor dO = Tensor.random(in.q().dtype(), cfg.seed() + 5, in.q().shape());
        java.util.function.Function<Boolean, Gradients> backward = atomic -> kernel.backward(in.q(), in.k(), in.v(), arguments(in), in.scale(),
                forward.o(), forward.lse(), dO, null, atomic);
        // parameter gradients summed in a fixed order (the default) and, where there are any, with atomics
        boolean params = !dev.attnc.compiler.grad.Gradient.ofBackward(kernel.attention()).parameters().isEmpty();
        List<Supplier<RunOutputs>> contenders = new ArrayList<>(List.of(
                () -> new RunOutputs(null, null, backward.apply(false).kernelNanos()),
                () -> new RunOutputs(null, null, timed.kernel().run(in).kernelNanos() + backward.apply(false).kernelNanos())));
        if (params) contenders.add(() -> new RunOutputs(null, null, backward.apply(true).kernelNanos()));
        List<Timing.Timed> t;
        try {
            t = Timing.interleaved(contenders, cfg.warmup(), cfg.warmupSeconds(), cfg.runs());
        } catch (AttnInputException | DeviceException e) {
            progress.part("| backward error: " + e.getMessage());
            rows.add(row(cfg, v, s, "attnc backward", "backward", null, pairs, check, "error: " + e.getMessage()));
            return rows;
        }
        progress.part(String.format(Locale.ROOT, "| backward %s ms", BenchTable.ms(t.get(0).stats().medianMs())));
        rows.add(row(cfg, v, s, "attnc backward", "backward", t.get(0).stats(), pairs, check, null));
        rows.add(row(cfg, v, s, "attnc fwd+bwd", "forward+backward", t.get(1).stats(), pairs, check, null));
        if (params) rows.add(row(cfg, v, s, "attnc backward, atomic", "backward", t.get(2).stats(), pairs,
                checkResult(kernel, checkedOn, reduced, cfg, true), "parameter gradients summed with atomics (--atomic-grads), not in a fixed order"));
        return rows;
    }

    /** The gradients on the checked inputs against the reference backward, as one report (errors over all gradients). */
    private static CheckResult checkResult(AttentionKernel kernel, AttentionKernel.Prepared p, boolean reduced, BenchConfig cfg,
            boolean atomic) {
        if (p == null) return CheckResult.skipped("no inputs to check on");
        try {
            RunInputs in = p.inputs();
            RunOutputs fwd = p.kernel().run(in);
            Tensor dO = Tensor.random(in.q().dtype(), cfg.seed() + 6, in.q().shape());
            Gradients g = kernel.backward(in.q(), in.k(), in.v(), arguments(in), in.scale(), fwd.o(), fwd.lse(), dO, null, atomic);
            double maxError = 0;
            long nonFinite = 0, outside = 0;
            for (Check.GradientReport r : Check.gradients(kernel.attention(), in, dO, null, g, p.kernel().effectiveStorage(cfg.dtype()))) {
                maxError = Math.max(maxError, r.maxError());
                nonFinite += r.nonFinite();
                outside += r.outOfTolerance();
            }
            return CheckResult.of(new Check.Report(maxError, 0, Check.of(cfg.dtype()).atol(), nonFinite, outside), in.sizes(), reduced);
        } catch (AttnInputException | DeviceException e) {
            return CheckResult.skipped("error: " + e.getMessage());
        }
    }

    /** The call's arguments as the API takes them: its scalars and tensors by name. */
    private static java.util.Map<String, Object> arguments(RunInputs in) {
        java.util.Map<String, Object> args = new java.util.LinkedHashMap<>(in.scalars());
        args.putAll(in.tensors());
        return args;
    }

    private static Measurement row(BenchConfig cfg, Variant v, Sizes s, String contender, String kind, Stats stats, long pairs,
            CheckResult check, String note) {
        return new Measurement(v.name(), v.file(), s, cfg.dtype().displayName(), contender, kind, stats, pairs, check, note, Double.NaN,
                Double.NaN);
    }
}
