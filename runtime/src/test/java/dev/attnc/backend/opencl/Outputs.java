package dev.attnc.backend.opencl;

import static org.junit.jupiter.api.Assertions.fail;

import dev.attnc.DType;
import dev.attnc.Tensor;
import dev.attnc.backend.RunOutputs;
import dev.attnc.compiler.interp.Reference;
import dev.attnc.compiler.interp.TensorData;

/** Compares a kernel's O and LSE with the reference, with tolerances for the storage type. */
final class Outputs {
    private Outputs() {}

    /** |O - ref| allowed: float accumulation, then rounding to the storage type (2^-11 for f16, 2^-8 for bf16). */
    static double oTolerance(DType storage) {
        return switch (storage) {
            case F16 -> 2e-3;
            case BF16 -> 1.6e-2;
            default -> 1e-4;
        };
    }

    static void assertClose(Reference.Output want, RunOutputs got, DType storage, String what) {
        double[] o = got.o().toDoubleArray();
        double[] lse = got.lse().toDoubleArray();
        double tol = oTolerance(storage);
        for (int i = 0; i < o.length; i++) {
            double ref = want.o()[i];
            if (!(Math.abs(o[i] - ref) <= tol * (1 + Math.abs(ref)))) {
                fail(what + ": O[" + i + "] = " + o[i] + " but the reference is " + ref);
            }
        }
        for (int i = 0; i < lse.length; i++) {
            double ref = want.lse()[i];
            boolean ok = ref == Double.NEGATIVE_INFINITY ? lse[i] == Double.NEGATIVE_INFINITY
                    : Math.abs(lse[i] - ref) <= 1e-4 * (1 + Math.abs(ref));
            if (!ok) fail(what + ": LSE[" + i + "] = " + lse[i] + " but the reference is " + ref);
        }
    }

    static TensorData view(Tensor t) {
        return new TensorData() {
            public long[] shape() { return t.shape(); }
            public double get(long i) { return t.getDouble(i); }
        };
    }
}
