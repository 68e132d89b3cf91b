package dev.attnc.bench.baseline;

import dev.attnc.Check;
import dev.attnc.Inputs;
import dev.attnc.backend.RunInputs;
import dev.attnc.backend.RunOutputs;
import dev.attnc.compiler.interp.Reference;
import dev.attnc.compiler.ir.Attention;

/**
 * {@link Check#against}, split in two so one reference run serves several kernels on the same
 * inputs (attnc's and the handwritten ones): {@link #reference} once, {@link #compare} per output.
 * Same rules: O and LSE within the tolerance, empty rows exactly O = 0 and LSE = -inf.
 */
public final class OutputCheck {
    private OutputCheck() {}

    public static Reference.Output reference(Attention a, RunInputs in) {
        return Reference.run(a, in.sizes(), in.q().toDoubleArray(), in.k().toDoubleArray(), in.v().toDoubleArray(),
                new Inputs.Bound(in.scalars(), in.tensors()).bindings(), in.scale());
    }

    public static Check.Report compare(Reference.Output ref, RunOutputs out, double tolerance) {
        double errO = 0;
        double errL = 0;
        long bad = 0;
        for (int i = 0; i < ref.o().length; i++) {
            double x = out.o().getDouble(i);
            if (!Double.isFinite(x)) bad++;
            else errO = Math.max(errO, Math.abs(x - ref.o()[i]));
        }
        for (int i = 0; i < ref.lse().length; i++) {
            double x = out.lse().getDouble(i);
            double want = ref.lse()[i];
            if (want == Double.NEGATIVE_INFINITY || x == Double.NEGATIVE_INFINITY) {
                if (x != want) bad++;
            } else if (!Double.isFinite(x)) {
                bad++;
            } else {
                errL = Math.max(errL, Math.abs(x - want));
            }
        }
        return new Check.Report(errO, errL, tolerance, bad);
    }
}
