package dev.attnc;

import dev.attnc.compiler.interp.Reference;
import dev.attnc.compiler.ir.Attention;
import dev.attnc.backend.RunInputs;

/**
 * Compares a kernel's output with the reference interpreter on the same inputs (as stored, so
 * both see the same rounded values). Empty rows must match exactly: O = 0 and LSE = -inf. Where the
 * program itself makes NaN (the reference's value is NaN), the kernel must give NaN too; anywhere
 * else a non-finite value is an error.
 */
public final class Check {
    private Check() {}

    /** The largest absolute errors of O and LSE, the tolerance used, and whether both are within it. */
    public record Report(double maxErrorO, double maxErrorLse, double tolerance, long nonFinite) {
        public boolean passed() {
            return maxErrorO <= tolerance && maxErrorLse <= tolerance && nonFinite == 0;
        }
    }

    /** The tolerance for O and LSE for a storage type: fp32 arithmetic, or the rounding of O to 16 bits. */
    public static double tolerance(DType dtype) {
        return switch (dtype) {
            case F32 -> 2e-3;
            case F16 -> 1e-2;
            default -> 4e-2;
        };
    }

    public static Report against(Attention a, RunInputs in, Result r) {
        return against(a, in, r, in.q().dtype());
    }

    /** With the tolerance of the storage the kernel really computed from ({@code CompiledKernel.effectiveStorage}). */
    public static Report against(Attention a, RunInputs in, Result r, DType computed) {
        Reference.Output ref = Reference.run(a, in.sizes(), in.q().toDoubleArray(), in.k().toDoubleArray(), in.v().toDoubleArray(),
                new Inputs.Bound(in.scalars(), in.tensors()).bindings(), in.scale());
        double errO = 0;
        double errL = 0;
        long bad = 0;
        for (int i = 0; i < ref.o().length; i++) {
            double x = r.o().getDouble(i);
            double want = ref.o()[i];
            if (Double.isNaN(want)) {
                if (!Double.isNaN(x)) bad++; // the program itself makes NaN here (log of a negative...): so must the kernel
            } else if (!Double.isFinite(x)) {
                bad++;
            } else {
                errO = Math.max(errO, Math.abs(x - want));
            }
        }
        for (int i = 0; i < ref.lse().length; i++) {
            double x = r.lse().getDouble(i);
            double want = ref.lse()[i];
            if (Double.isNaN(want)) {
                if (!Double.isNaN(x)) bad++;
            } else if (want == Double.NEGATIVE_INFINITY || x == Double.NEGATIVE_INFINITY) {
                if (x != want) bad++;
            } else if (!Double.isFinite(x)) {
                bad++;
            } else {
                errL = Math.max(errL, Math.abs(x - want));
            }
        }
        return new Report(errO, errL, tolerance(computed), bad);
    }
}
