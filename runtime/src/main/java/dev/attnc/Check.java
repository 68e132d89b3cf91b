package dev.attnc;

import dev.attnc.compiler.interp.Reference;
import dev.attnc.compiler.interp.ReferenceBackward;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import dev.attnc.compiler.ir.Attention;
import dev.attnc.backend.RunInputs;

/**
 * Compares a kernel's output with the reference interpreter on the same inputs (as stored, so
 * both see the same rounded values). The one output check: {@code attnc run --check}, {@code attnc
 * bench} and the handwritten baselines' check all use it. Per element of O and of LSE:
 * <ul>
 * <li>where the reference is NaN (the program itself makes NaN: log of a negative...), the kernel
 *     must give NaN; anywhere else a NaN fails;
 * <li>where either is infinite they must be equal: an empty row's LSE is exactly -inf (and its O 0);
 * <li>otherwise |x - ref| <= atol + rtol·|ref|, with atol and rtol from the storage type. The
 *     relative part matters for LSE, which grows with the scores: at scores near 1e30 an O that is
 *     right has an LSE whose float32 rounding alone is far above any absolute tolerance.
 * </ul>
 */
public final class Check {
    private Check() {}

    /**
     * The largest absolute errors of O and LSE (over the elements where both are finite), the
     * absolute tolerance, the elements whose NaN or infinity disagrees with the reference, and the
     * finite elements outside atol + rtol·|ref|.
     */
    public record Report(double maxErrorO, double maxErrorLse, double tolerance, long nonFinite, long outOfTolerance) {
        public boolean passed() {
            return nonFinite == 0 && outOfTolerance == 0;
        }
    }

    /** How far an output element may be from the reference's: atol + rtol·|ref|. */
    public record Tolerance(double atol, double rtol) {
        boolean within(double x, double want) {
            return Math.abs(x - want) <= atol + rtol * Math.abs(want);
        }
    }

    /**
     * The tolerance for a storage type: fp32 arithmetic, or the rounding of O to 16 bits (rtol
     * about two units in the last place of the type: 2^-10 for f16, 2^-7 for bf16).
     */
    public static Tolerance of(DType dtype) {
        return switch (dtype) {
            case F32 -> new Tolerance(2e-3, 1e-4);
            case F16 -> new Tolerance(1e-2, 1e-3);
            default -> new Tolerance(4e-2, 8e-3);
        };
    }

    /** The absolute tolerance of a storage type (see {@link #of}). */
    public static double tolerance(DType dtype) {
        return of(dtype).atol();
    }

    public static Report against(Attention a, RunInputs in, Result r) {
        return against(a, in, r, in.q().dtype());
    }

    /** With the tolerance of the storage the kernel really computed from ({@code CompiledKernel.effectiveStorage}). */
    public static Report against(Attention a, RunInputs in, Result r, DType computed) {
        return compare(reference(a, in), r.o(), r.lse(), of(computed));
    }

    /** The reference's O and LSE for these inputs: computed once, it can check several kernels run on them. */
    public static Reference.Output reference(Attention a, RunInputs in) {
        return Reference.run(a, in.sizes(), in.q().toDoubleArray(), keyRows(in.k(), in), keyRows(in.v(), in),
                new Inputs.Bound(in.scalars(), in.tensors()).bindings(), in.scale(), in.kvLens());
    }

    /**
     * K [B, H_KV, KV_LEN, D] or V [.., DV] as doubles, row-major, read through its logical index (a paged
     * one through its page table); rows past a sequence's length are left 0 and never read, so a
     * page table need not point anywhere there.
     */
    private static double[] keyRows(Tensor t, RunInputs in) {
        if (in.kvLens() == null) return t.toDoubleArray();
        var s = in.sizes();
        double[] out = new double[Math.toIntExact(t.elementCount())];
        for (int b = 0; b < s.B(); b++) {
            for (int h = 0; h < s.H_KV(); h++) {
                long row0 = ((long) b * s.H_KV() + h) * s.KV_LEN();
                long width = t.dim(3); // D for K, DV for V
                for (long i = row0 * width; i < (row0 + in.kvLen(b)) * width; i++) out[(int) i] = t.getDouble(i);
            }
        }
        return out;
    }

    /** A kernel's O and LSE against the reference's. */
    public static Report compare(Reference.Output ref, Tensor o, Tensor lse, Tolerance t) {
        Tally to = new Tally();
        for (int i = 0; i < ref.o().length; i++) to.add(o.getDouble(i), ref.o()[i], t);
        Tally tl = new Tally();
        for (int i = 0; i < ref.lse().length; i++) tl.add(lse.getDouble(i), ref.lse()[i], t);
        return new Report(to.maxError, tl.maxError, t.atol(), to.special + tl.special, to.outside + tl.outside);
    }

    /**
     * One gradient against the reference backward's: its largest error, the largest magnitude of
     * the reference's (errors are judged against it: a gradient sums many products, so its error
     * grows with its size, not with each element's), and the elements outside tolerance or whose
     * NaN or infinity disagrees.
     */
    public record GradientReport(String name, double maxError, double magnitude, long nonFinite, long outOfTolerance) {
        public boolean passed() {
            return nonFinite == 0 && outOfTolerance == 0;
        }
    }

    /**
     * The backward's dQ, dK, dV and parameter gradients against {@link ReferenceBackward} on the same
     * inputs: |x − ref| ≤ atol · max(max |ref|, 1e-3) + rtol · |ref| per element, with the forward's
     * tolerance for the storage the kernel computed from.
     */
    public static List<GradientReport> gradients(Attention a, RunInputs in, Tensor dO, Tensor dLse, Gradients got, DType computed) {
        ReferenceBackward.Grads ref = ReferenceBackward.run(a, in.sizes(), in.q().toDoubleArray(), in.k().toDoubleArray(),
                in.v().toDoubleArray(), new Inputs.Bound(in.scalars(), in.tensors()).bindings(), in.scale(), dO.toDoubleArray(),
                dLse == null ? null : dLse.toDoubleArray());
        Map<String, double[]> want = new LinkedHashMap<>();
        Map<String, Tensor> have = new LinkedHashMap<>();
        want.put("dq", ref.dq());
        have.put("dq", got.dq());
        want.put("dk", ref.dk());
        have.put("dk", got.dk());
        want.put("dv", ref.dv());
        have.put("dv", got.dv());
        ref.params().forEach((name, g) -> {
            want.put("d_" + name, g);
            have.put("d_" + name, got.params().get(name));
        });
        Tolerance t = of(computed);
        List<GradientReport> reports = new ArrayList<>();
        for (var e : want.entrySet()) {
            double[] r = e.getValue();
            Tensor x = have.get(e.getKey());
            double magnitude = 0;
            for (double v : r) if (Double.isFinite(v)) magnitude = Math.max(magnitude, Math.abs(v));
            if (x == null || x.elementCount() != r.length) {
                reports.add(new GradientReport(e.getKey(), Double.NaN, magnitude, r.length, 0));
                continue;
            }
            Tally tally = new Tally();
            Tolerance scaled = new Tolerance(t.atol() * Math.max(magnitude, 1e-3), t.rtol());
            for (int i = 0; i < r.length; i++) tally.add(x.getDouble(i), r[i], scaled);
            reports.add(new GradientReport(e.getKey(), tally.maxError, magnitude, tally.special, tally.outside));
        }
        return reports;
    }

    /** The elements of one output seen so far. */
    private static final class Tally {
        double maxError;
        long special;
        long outside;

        void add(double x, double want, Tolerance t) {
            if (Double.isNaN(want) || Double.isNaN(x)) {
                if (!(Double.isNaN(want) && Double.isNaN(x))) special++;
            } else if (Double.isInfinite(want) || Double.isInfinite(x)) {
                if (x != want) special++;
            } else {
                maxError = Math.max(maxError, Math.abs(x - want));
                if (!t.within(x, want)) outside++;
            }
        }
    }
}
