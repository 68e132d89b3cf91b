package dev.attnc.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnc.DType;
import dev.attnc.Gradients;
import dev.attnc.Tensor;
import dev.attnc.backend.BackwardInputs;
import dev.attnc.backend.BackwardKernel;
import dev.attnc.backend.KernelRequest;
import dev.attnc.backend.RunInputs;
import dev.attnc.backend.RunOutputs;
import dev.attnc.compiler.interp.Bindings;
import dev.attnc.compiler.interp.Reference;
import dev.attnc.compiler.interp.ReferenceBackward;
import dev.attnc.compiler.ir.Attention;
import dev.attnc.compiler.plan.TilePlan;
import dev.attnc.compiler.sparsity.ExactTiles;
import dev.attnc.kernel.BlockPlan;
import dev.attnc.kernel.Sizes;
import java.util.Map;

/**
 * One backward call to check on the CPU backend: an attention, sizes, storage dtype, arguments and
 * tiles; O and LSE from the Java forward kernel, a random dO (and dLSE when asked); the gradients
 * against {@link ReferenceBackward}.
 */
final class BackwardCheck {
    final Attention attention;
    final Sizes sizes;
    final DType dtype;
    final Map<String, Object> scalars;
    final Map<String, Tensor> tensors;
    final TilePlan tiles;
    final Tensor q, k, v, dO;
    Tensor dLse;

    BackwardCheck(Attention attention, Sizes s, DType dtype, Map<String, Object> scalars, Map<String, Tensor> tensors, TilePlan tiles) {
        this.attention = attention;
        this.sizes = s;
        this.dtype = dtype;
        this.scalars = scalars;
        this.tensors = tensors;
        this.tiles = tiles;
        q = Tensor.random(dtype, 1, s.B(), s.H(), s.Q_LEN(), s.D());
        k = Tensor.random(dtype, 2, s.B(), s.H_KV(), s.KV_LEN(), s.D());
        v = Tensor.random(dtype, 3, s.B(), s.H_KV(), s.KV_LEN(), s.DV());
        dO = Tensor.random(dtype, 4, s.B(), s.H(), s.Q_LEN(), s.DV());
    }

    BackwardCheck withDLse() {
        dLse = Tensor.random(DType.F32, 5, sizes.B(), sizes.H(), sizes.Q_LEN());
        return this;
    }

    Bindings bindings() {
        return Fixture.bindings(scalars, tensors).complete(attention);
    }

    /** The exact (brute-force, per (b, h)) plan: EMPTY, FULL and PARTIAL tiles. */
    BlockPlan exactPlan() {
        return ExactTiles.plan(attention, sizes, bindings(), tiles.blockM(), tiles.blockN(), false);
    }

    /** Every tile PARTIAL. */
    BlockPlan densePlan() {
        return BlockPlan.dense(tiles.blockM(), tiles.blockN(), sizes.Q_LEN(), sizes.KV_LEN(), false);
    }

    /** The forward on the CPU backend, then the backward, with {@code plan} (the forward plan). */
    Gradients run(CpuBackend backend, BlockPlan plan, boolean atomicParams) {
        KernelRequest request = new KernelRequest(attention, dtype, sizes.D(), sizes.DV(), tiles);
        double scale = Reference.defaultScale(sizes);
        RunInputs in = new RunInputs(sizes, q, k, v, bindings().scalars(), tensors, scale, plan);
        RunOutputs fwd = backend.compile(request).run(in);
        BackwardKernel kernel = backend.compileBackward(request);
        return kernel.run(new BackwardInputs(in, fwd.o(), fwd.lse(), dO, dLse, plan.transposed(), atomicParams));
    }

    /**
     * Runs and compares with the reference: every gradient within 2e-3 of its largest magnitude
     * (at least 1e-3; plus the rounding of the storage type for dQ, dK and dV), and never NaN.
     */
    Gradients check(CpuBackend backend, BlockPlan plan, boolean atomicParams, String label) {
        Gradients got = run(backend, plan, atomicParams);
        ReferenceBackward.Grads want = ReferenceBackward.run(attention, sizes, q.toDoubleArray(), k.toDoubleArray(), v.toDoubleArray(),
                bindings(), Reference.defaultScale(sizes), dO.toDoubleArray(), dLse == null ? null : dLse.toDoubleArray());
        double rounding = switch (dtype) {
            case BF16 -> Math.scalb(1.0, -8);
            case F16 -> Math.scalb(1.0, -11);
            default -> 0;
        };
        assertClose(label + " dQ", want.dq(), got.dq(), rounding);
        assertClose(label + " dK", want.dk(), got.dk(), rounding);
        assertClose(label + " dV", want.dv(), got.dv(), rounding);
        assertEquals(want.params().keySet(), got.params().keySet(), label + ": the parameters with a gradient");
        want.params().forEach((name, g) -> assertClose(label + " d" + name, g, got.params().get(name), 0));
        return got;
    }

    static void assertClose(String what, double[] want, Tensor got, double rounding) {
        assertEquals(want.length, got.elementCount(), what + ": element count");
        double largest = 0;
        for (double w : want) largest = Math.max(largest, Math.abs(w));
        double tolerance = 2e-3 * Math.max(largest, 0.5);
        for (int i = 0; i < want.length; i++) {
            double g = got.getDouble(i);
            assertFalse(Double.isNaN(g), what + "[" + i + "] is NaN");
            assertTrue(Math.abs(g - want[i]) <= tolerance + Math.abs(want[i]) * rounding,
                    what + "[" + i + "] = " + g + ", reference " + want[i] + " (largest " + largest + ")");
        }
    }

    /** Every element equal, bit for bit. */
    static void assertIdentical(String what, Tensor a, Tensor b) {
        assertEquals(a.elementCount(), b.elementCount(), what);
        for (long i = 0; i < a.elementCount(); i++) {
            assertEquals(Double.doubleToRawLongBits(a.getDouble(i)), Double.doubleToRawLongBits(b.getDouble(i)), what + "[" + i + "]");
        }
    }
}
