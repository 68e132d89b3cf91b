package dev.attnc;

import dev.attnc.backend.Backend;
import dev.attnc.backend.CompiledKernel;
import dev.attnc.backend.KernelRequest;
import dev.attnc.backend.RunInputs;
import dev.attnc.backend.RunOutputs;
import dev.attnc.compiler.interp.Reference;
import dev.attnc.kernel.Sizes;
import dev.attnc.compiler.ir.Attention;
import dev.attnc.compiler.plan.TilePlan;
import dev.attnc.compiler.plan.VariantClass;
import dev.attnc.kernel.BlockPlan;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Times every tile plan a backend proposes ({@link Backend#tileCandidates}) on one call's inputs,
 * each kernel with its own block plan, timed after {@link #WARMUP_NANOS} of warm-up; checks every
 * candidate's O against the first one's; remembers the fastest correct plan for the attention's
 * {@link VariantClass} on this device ({@link Backend#rememberTiles}), where later calls of any
 * attention of that class and head dimension find it.
 */
public final class Autotuner {
    /** Kernel time each candidate runs before it is timed. */
    static final long WARMUP_NANOS = 200_000_000L;

    private Autotuner() {}

    /** One candidate: its median kernel time, its largest difference from the first candidate's O, or why it failed. */
    public record Trial(TilePlan tiles, long medianNanos, double maxDiff, boolean ok, String error) {}

    /** The trials, the fastest correct plan, and whether the backend keeps it for later calls. */
    public record Outcome(VariantClass variantClass, List<Trial> trials, TilePlan winner, boolean remembered) {}

    static Outcome tune(Attention attention, Backend backend, Tensor q, Tensor k, Tensor v, Map<String, ?> args, int runs) {
        if (runs < 1) throw new AttnInputException("the autotuner needs at least one timed run, not " + runs);
        Sizes sizes = Inputs.sizes(q, k, v);
        Inputs.Bound bound = Inputs.bind(attention, sizes, args);
        double scale = Reference.defaultScale(sizes);
        List<Trial> trials = new ArrayList<>();
        Tensor first = null;
        Trial best = null;
        for (TilePlan tiles : backend.tileCandidates(sizes.D())) {
            Trial t;
            try {
                CompiledKernel kernel = backend.compile(new KernelRequest(attention, q.dtype(), sizes.D(), sizes.DV(), tiles));
                BlockPlan plan = Plans.plan(attention, sizes, bound, tiles, null);
                try (CompiledKernel.Session s = kernel.session(new RunInputs(sizes, q, k, v, bound.scalars(), bound.tensors(), scale, plan))) {
                    // warm up for WARMUP_NANOS of kernel time, not a fixed count: an idle GPU runs its
                    // first milliseconds at low clocks, which once made the first candidate 50 % slow
                    long warm = s.launch(); // includes loading the module
                    for (int i = 0; i < 10_000 && warm < WARMUP_NANOS; i++) warm += s.launch();
                    long[] ns = new long[runs];
                    for (int i = 0; i < runs; i++) ns[i] = s.launch();
                    Arrays.sort(ns);
                    RunOutputs out = s.outputs();
                    double diff = first == null ? 0 : maxDiff(first, out.o());
                    if (first == null) first = out.o();
                    // two candidates round differently: allow twice one kernel's tolerance
                    boolean ok = diff <= 2 * Check.tolerance(kernel.effectiveStorage(q.dtype()));
                    t = new Trial(tiles, ns[runs / 2], diff, ok, ok ? null : "O differs from the first candidate's by " + diff);
                }
            } catch (RuntimeException e) {
                t = new Trial(tiles, -1, Double.NaN, false, String.valueOf(e.getMessage()));
            }
            trials.add(t);
            if (t.ok() && (best == null || t.medianNanos() < best.medianNanos())) best = t;
        }
        if (best == null) throw new DeviceException("no tile plan ran correctly: " + trials);
        boolean remembered = backend.rememberTiles(attention, q.dtype(), sizes.D(), best.tiles());
        return new Outcome(VariantClass.of(attention), trials, best.tiles(), remembered);
    }

    /** Largest |a - b| over all elements; infinite if either is not finite where the other is. */
    private static double maxDiff(Tensor a, Tensor b) {
        double m = 0;
        for (long i = 0, n = a.elementCount(); i < n; i++) {
            double x = a.getDouble(i), y = b.getDouble(i);
            if (!Double.isFinite(x) || !Double.isFinite(y)) return Double.POSITIVE_INFINITY;
            m = Math.max(m, Math.abs(x - y));
        }
        return m;
    }
}
