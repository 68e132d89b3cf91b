package dev.attnc.cli.bench;

import dev.attnc.AttentionKernel;
import dev.attnc.AttnInputException;
import dev.attnc.Check;
import dev.attnc.DeviceException;
import dev.attnc.Inputs;
import dev.attnc.KeptPairs;
import dev.attnc.Tensor;
import dev.attnc.backend.CompiledKernel;
import dev.attnc.backend.RunInputs;
import dev.attnc.backend.RunOutputs;
import dev.attnc.baseline.BaselineKernel;
import dev.attnc.baseline.Baselines;
import dev.attnc.baseline.NoBaseline;
import dev.attnc.baseline.Pattern;
import dev.attnc.compiler.interp.Bindings;
import dev.attnc.compiler.interp.Reference;
import dev.attnc.kernel.Sizes;
import dev.attnc.compiler.ir.Attention;
import dev.attnc.compiler.ir.ParamDecl;
import dev.attnc.kernel.BlockPlan;
import dev.attnc.compiler.sparsity.BlockPlanner;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * One variant on one shape: prepare, count kept pairs, check attnc (and the handwritten kernel)
 * against the reference before any timing, then time them taking turns run by run, so that a busy
 * neighbour on a shared machine slows both alike rather than whichever ran at the time. A user-level failure (bad arguments,
 * a kernel the device cannot build) becomes a row with a note, and the bench goes on.
 */
final class CaseRunner {
    private final BenchConfig cfg;
    private final Progress progress;
    private final Baselines baselines;
    private final InputDump dump;
    /** The random tensor arguments already noted, once per attention and name. */
    private final Set<String> noted = new HashSet<>();

    CaseRunner(BenchConfig cfg, Progress progress, Baselines baselines, InputDump dump) {
        this.cfg = cfg;
        this.progress = progress;
        this.baselines = baselines;
        this.dump = dump;
    }

    /** What a contender's check runs on: the timed inputs, or a reduced copy of them; or why there is no check. */
    private record CheckSetup(AttentionKernel.Prepared prepared, Reference.Output reference, boolean reduced, String skipped) {}

    List<Measurement> run(Variant v, AttentionKernel kernel, Sizes s, Tensor[] qkv) {
        Attention a = kernel.attention();
        List<Measurement> rows = new ArrayList<>();
        AttentionKernel.Prepared p;
        long pairs;
        double prepareMs, planMs;
        try {
            long t0 = System.nanoTime();
            p = kernel.prepare(qkv[0], qkv[1], qkv[2], argsFor(a, s, cfg.seed()), Double.NaN);
            prepareMs = (System.nanoTime() - t0) / 1e6;
            Bindings bindings = new Inputs.Bound(p.inputs().scalars(), p.inputs().tensors()).bindings();
            BlockPlan used = p.inputs().plan(); // timed again alone, on the tiles the kernel uses
            t0 = System.nanoTime();
            BlockPlanner.plan(a, s, bindings, used.blockM, used.blockN);
            planMs = (System.nanoTime() - t0) / 1e6;
            pairs = KeptPairs.count(a, s, bindings, p.inputs().plan());
        } catch (AttnInputException | DeviceException e) {
            progress.part("error: " + e.getMessage());
            rows.add(row(v, s, "attnc", "attnc", null, -1, null, "error: " + e.getMessage(), Double.NaN, Double.NaN));
            return rows;
        }

        long c0 = System.nanoTime();
        CheckSetup chk = checkSetup(kernel, a, s, p);
        CheckResult attncCheck = check(chk, p.kernel(), () -> chk.prepared().kernel().run(chk.prepared().inputs()));
        progress.part(String.format(Locale.ROOT, "%s%s (%.1f s)", checkWord(attncCheck), chk.reduced() ? " at a reduced shape" : "",
                (System.nanoTime() - c0) / 1e9));
        String checkedAt = chk.reduced() && chk.prepared() != null ? "checked at " + Shapes.text(chk.prepared().inputs().sizes()) : null;

        // the handwritten kernel, checked on the same inputs against the same reference
        BaselineKernel hw = null;
        CheckResult hwCheck = null;
        if (baselines != null && Pattern.of(a).isPresent()) {
            String name = "handwritten " + cfg.target().word();
            try {
                hw = baselines.kernel(a, cfg.dtype(), s.D());
                BaselineKernel k = hw;
                hwCheck = check(chk, k, () -> k.run(chk.prepared().inputs()));
                progress.part("| " + name + " " + checkWord(hwCheck));
            } catch (NoBaseline | DeviceException e) {
                progress.part("| " + name + ": none (" + e.getMessage() + ")");
                hw = null;
                hwCheck = CheckResult.skipped(e.getMessage());
                rows.add(row(v, s, name, "handwritten", null, pairs, null, "none: " + e.getMessage(), Double.NaN, Double.NaN));
            }
        }

        // attnc's inputs are prepared once (on the device, for a GPU) and launched back to back
        try (CompiledKernel.Session session = p.kernel().session(p.inputs())) {
            timed(v, s, p, session, hw, hwCheck, attncCheck, pairs, checkedAt, prepareMs, planMs, rows);
        }
        if (cfg.backward()) rows.addAll(BackwardCase.run(cfg, progress, v, kernel, s, p, chk.prepared(), chk.reduced(), pairs));
        return rows;
    }

    private List<Measurement> timed(Variant v, Sizes s, AttentionKernel.Prepared p, CompiledKernel.Session session, BaselineKernel hw,
            CheckResult hwCheck, CheckResult attncCheck, long pairs, String checkedAt, double prepareMs, double planMs, List<Measurement> rows) {
        List<Supplier<RunOutputs>> runs = new ArrayList<>();
        runs.add(() -> new RunOutputs(null, null, session.launch()));
        if (hw != null) {
            BaselineKernel k = hw;
            runs.add(() -> k.run(p.inputs()));
        }
        List<Timing.Timed> t;
        try {
            t = Timing.interleaved(runs, cfg.warmup(), cfg.warmupSeconds(), cfg.runs());
        } catch (DeviceException e) {
            progress.part("| error: " + e.getMessage());
            rows.add(row(v, s, "attnc", "attnc", null, pairs, attncCheck, "error: " + e.getMessage(), prepareMs, planMs));
            return rows;
        }
        progress.part(String.format(Locale.ROOT, "| attnc %s ms", BenchTable.ms(t.get(0).stats().medianMs())));
        rows.add(0, row(v, s, "attnc", "attnc", t.get(0).stats(), pairs, attncCheck, checkedAt, prepareMs, planMs));
        if (hw != null) {
            progress.part(String.format(Locale.ROOT, "| %s %s ms", hw.name(), BenchTable.ms(t.get(1).stats().medianMs())));
            rows.add(row(v, s, hw.name(), "handwritten", t.get(1).stats(), pairs, hwCheck, null, Double.NaN, Double.NaN));
        }
        if (dump != null) dump.variant(v, s, p.inputs(), session.outputs(), pairs);
        return rows;
    }

    /** The timed inputs when the reference can afford them, else the same variant on shorter sequences. */
    private CheckSetup checkSetup(AttentionKernel kernel, Attention a, Sizes s, AttentionKernel.Prepared p) {
        if ((long) s.B() * s.H() * s.Q_LEN() * s.KV_LEN() * s.D() <= cfg.checkLimit()) {
            return new CheckSetup(p, Check.reference(a, p.inputs()), false, null);
        }
        Sizes r = new Sizes(s.B(), s.H(), s.H_KV(), Math.min(s.Q_LEN(), cfg.checkLength()), Math.min(s.KV_LEN(), cfg.checkLength()), s.D(), s.DV());
        try {
            Tensor[] qkv = BenchRunner.randomQkv(r, cfg.dtype(), cfg.seed() + 100);
            AttentionKernel.Prepared small = kernel.prepare(qkv[0], qkv[1], qkv[2], argsFor(a, r, cfg.seed() + 100), Double.NaN);
            return new CheckSetup(small, Check.reference(a, small.inputs()), true, null);
        } catch (AttnInputException e) {
            return new CheckSetup(null, null, true, "no check at a reduced shape " + Shapes.text(r) + ": " + e.getMessage());
        }
    }

    private CheckResult check(CheckSetup chk, CompiledKernel kernel, Supplier<RunOutputs> run) {
        if (chk.skipped() != null) return CheckResult.skipped(chk.skipped());
        try {
            RunInputs in = chk.prepared().inputs();
            RunOutputs out = run.get();
            Check.Report r = Check.compare(chk.reference(), out.o(), out.lse(), Check.of(kernel.effectiveStorage(cfg.dtype())));
            return CheckResult.of(r, in.sizes(), chk.reduced());
        } catch (AttnInputException | DeviceException e) {
            return CheckResult.skipped("error: " + e.getMessage());
        }
    }

    /** The arguments this attention declares, from {@code --arg}, with missing tensors filled when asked. */
    Map<String, Object> argsFor(Attention a, Sizes s, long seed) {
        Map<String, Object> args = new LinkedHashMap<>();
        for (ParamDecl p : a.params()) {
            if (cfg.args().containsKey(p.name())) args.put(p.name(), cfg.args().get(p.name()));
        }
        if (cfg.randomArgs() != null) {
            Set<String> given = new HashSet<>(args.keySet());
            cfg.randomArgs().fill(a, s, args, seed);
            if (!cfg.randomArgsAsked()) {
                for (String filled : args.keySet()) {
                    if (!given.contains(filled) && noted.add(a.name() + "." + filled)) {
                        Object v = args.get(filled);
                        progress.part(v instanceof Tensor ? "(" + filled + " not given: random data; --arg " + filled + "=FILE.npy gives yours)"
                                : "(" + filled + " not given: " + v + "; --arg " + filled + "=VALUE sets it)");
                    }
                }
            }
        }
        return args;
    }

    private static String checkWord(CheckResult c) {
        return c.report() == null ? "check skipped" : c.report().passed() ? "check ok" : "check FAILED";
    }

    private Measurement row(Variant v, Sizes s, String contender, String kind, Stats stats, long pairs, CheckResult check, String note,
            double prepareMs, double planMs) {
        return new Measurement(v.name(), v.file(), s, cfg.dtype().displayName(), contender, kind, stats, pairs, check, note, prepareMs, planMs);
    }
}
