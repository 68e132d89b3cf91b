package dev.attnc.compiler.interp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnc.compiler.Compilation;
import dev.attnc.compiler.diag.SourceFile;
import dev.attnc.compiler.ir.Attention;
import dev.attnc.compiler.passes.RandomPrograms;
import dev.attnc.kernel.Sizes;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Property: on random programs (the generator of the passes' property test, {@link RandomPrograms}),
 * the reference backward's dQ, dK, dV, d$f (the float scalar) and every element of d table (the
 * float tensor) equal central finite differences of the forward {@link Reference}'s
 * {@code sum(O · dO) + sum(LSE · dLSE)}, at small shapes with grouped heads, cross-attention and
 * rows that keep nothing. Where a kink or a step (a comparison, floor, abs, min/max, a mask that
 * flips) lies within the step, the two one-sided differences disagree: such an element is skipped
 * when the central difference does not match, and the skips are counted and bounded.
 * <p>
 * Seeded; {@value #DEFAULT_PROGRAMS} programs by default (a few seconds); more with
 * {@code -Dattnc.grad.programs=N}.
 */
class ReferenceBackwardPropertyTest {
    private static final int DEFAULT_PROGRAMS = 250;
    private static final double STEP = 1e-5;
    private static final java.util.Set<String> REJECTED = java.util.Set.of("index.out-of-bounds", "arith.division-by-zero");
    /** B, H, H_KV, Q_LEN, KV_LEN, D: grouped heads, one KV head, cross-attention both ways, a batch of two. */
    private static final List<Sizes> SHAPES = List.of(
            new Sizes(1, 4, 2, 3, 5, 2), new Sizes(1, 2, 1, 5, 3, 2), new Sizes(2, 2, 2, 4, 4, 3), new Sizes(1, 4, 1, 2, 6, 2));

    private int checked, skipped, emptyRows, nonFinite;
    private final List<String> failures = new ArrayList<>();

    @Test
    void randomProgramsMatchFiniteDifferences() {
        run(false);
    }

    /** The same with a random normalize clause: sinks and sigmoid, and the gradients of what their argument reads. */
    @Test
    void randomNormalisationsMatchFiniteDifferences() {
        run(true);
    }

    private void run(boolean normalize) {
        int programs = Integer.getInteger("attnc.grad.programs", DEFAULT_PROGRAMS);
        Random random = new Random(16);
        int run = 0;
        for (int seed = 0; run < programs; seed++) {
            String text = new RandomPrograms(seed).program(normalize);
            Compilation c = Compilation.of(new SourceFile("random" + seed + ".attn", text));
            // a constant index past the table's end, or a division by a constant zero (the generator
            // writes `a / b` of any two ints), is rightly rejected: such programs are skipped
            if (c.hasErrors()) {
                assertTrue(c.diagnostics().stream().allMatch(d -> REJECTED.contains(d.key())), text);
                continue;
            }
            check(c.optimized(null), text, SHAPES.get(run % SHAPES.size()), random);
            run++;
        }
        System.out.printf("reference backward vs finite differences: %d programs, %d elements checked, %d skipped at kinks,"
                + " %d failures; %d empty rows, %d programs with non-finite losses%n", run, checked, skipped, failures.size(), emptyRows, nonFinite);
        assertEquals(List.of(), failures.stream().limit(5).toList(), failures.size() + " failures");
        assertTrue(skipped <= checked / 50, "too many elements skipped at kinks: " + skipped + " of " + (checked + skipped));
        assertTrue(emptyRows > 0, "no program had a row that keeps nothing");
        assertTrue(nonFinite <= run / 10, "too many programs with non-finite losses: " + nonFinite);
    }

    private void check(Attention a, String text, Sizes s, Random random) {
        double[] ids = new double[s.KV_LEN()];
        for (int i = 0; i < ids.length; i++) ids[i] = random.nextInt(11) - 5;
        double[] table = gaussian(random, s.H() * 8);
        Map<String, Object> scalars = new HashMap<>(Map.of("n", random.nextInt(21) - 10, "f", random.nextGaussian() * 2, "flag", random.nextBoolean()));
        Map<String, TensorData> tensors = Map.of("ids", TensorData.of(ids, s.KV_LEN()), "table", TensorData.of(table, s.H(), 8));
        double[] q = gaussian(random, s.B() * s.H() * s.Q_LEN() * s.D());
        double[] k = gaussian(random, s.B() * s.H_KV() * s.KV_LEN() * s.D());
        double[] v = gaussian(random, k.length);
        double[] dO = gaussian(random, q.length);
        double[] dLse = random.nextBoolean() ? gaussian(random, s.B() * s.H() * s.Q_LEN()) : null;
        double scale = 0.5 + random.nextDouble();

        Loss loss = () -> {
            Reference.Output o = Reference.run(a, s, q, k, v, new Bindings(scalars, tensors), scale);
            double l = 0;
            for (int i = 0; i < dO.length; i++) l += o.o()[i] * dO[i];
            // an empty row's LSE is -inf whatever the inputs: it adds nothing (not -inf · dLSE)
            if (dLse != null) for (int i = 0; i < dLse.length; i++) if (o.lse()[i] != Double.NEGATIVE_INFINITY) l += o.lse()[i] * dLse[i];
            return l;
        };
        double at = loss.value();
        if (!Double.isFinite(at)) {
            nonFinite++;
            return;
        }
        for (double lse : Reference.run(a, s, q, k, v, new Bindings(scalars, tensors), scale).lse()) if (lse == Double.NEGATIVE_INFINITY) emptyRows++;
        ReferenceBackward.Grads g = ReferenceBackward.run(a, s, q, k, v, new Bindings(scalars, tensors), scale, dO, dLse);
        String where = text + "at " + s;
        compare(loss, at, q, g.dq(), "dQ", where);
        compare(loss, at, k, g.dk(), "dK", where);
        compare(loss, at, v, g.dv(), "dV", where);
        compare(loss, at, table, g.params().getOrDefault("table", new double[table.length]), "d table", where);
        double[] f = {(Double) scalars.get("f")};
        Loss withF = () -> {
            scalars.put("f", f[0]);
            return loss.value();
        };
        compare(withF, at, f, g.params().getOrDefault("f", new double[1]), "d f", where);
        scalars.put("f", f[0]);
    }

    /** The harness itself: a kink or a step within the step is skipped, a wrong derivative of a smooth loss fails. */
    @Test
    void kinksAreSkippedAndWrongDerivativesFail() {
        double[] x = {2e-6};
        compare(() -> Math.abs(x[0]), Math.abs(x[0]), x, new double[] {1}, "abs", "");
        compare(() -> Math.floor(x[0] * 5e4 + 0.7), Math.floor(x[0] * 5e4 + 0.7), x, new double[] {0}, "floor", "");
        assertEquals(2, skipped);
        assertEquals(List.of(), failures);
        double[] y = {0.5};
        compare(() -> y[0] * y[0], 0.25, y, new double[] {1.0}, "square", "");
        compare(() -> y[0] * y[0], 0.25, y, new double[] {1.01}, "square", "");
        assertEquals(1, checked);
        assertEquals(1, failures.size());
    }

    private interface Loss {
        double value();
    }

    /** Each element of {@code x} perturbed in place by ±STEP (and restored), the loss's central difference against {@code grad}. */
    private void compare(Loss loss, double at, double[] x, double[] grad, String what, String where) {
        for (int i = 0; i < x.length; i++) {
            double keep = x[i];
            x[i] = keep + STEP;
            double up = loss.value();
            x[i] = keep - STEP;
            double down = loss.value();
            x[i] = keep;
            double central = (up - down) / (2 * STEP);
            double magnitude = Math.max(1, Math.max(Math.abs(central), Math.abs(grad[i])));
            if (Math.abs(central - grad[i]) <= 1e-5 * magnitude) {
                checked++;
                continue;
            }
            double forward = (up - at) / STEP;
            double backward = (at - down) / STEP;
            if (!Double.isFinite(central) || Math.abs(forward - backward) > 1e-3 * magnitude) {
                skipped++;
                continue;
            }
            failures.add(what + "[" + i + "] = " + grad[i] + ", finite differences " + central + "\n" + where);
        }
    }

    private static double[] gaussian(Random r, int n) {
        double[] x = new double[n];
        for (int i = 0; i < n; i++) x[i] = r.nextGaussian();
        return x;
    }
}
