package dev.attnc.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnc.compiler.sparsity.ExactTiles;
import dev.attnc.DType;
import dev.attnc.Tensor;
import dev.attnc.backend.CompiledKernel;
import dev.attnc.backend.KernelRequest;
import dev.attnc.backend.RunInputs;
import dev.attnc.backend.RunOutputs;
import dev.attnc.compiler.Compilation;
import dev.attnc.compiler.diag.SourceFile;
import dev.attnc.compiler.interp.Bindings;
import dev.attnc.compiler.interp.Reference;
import dev.attnc.kernel.Sizes;
import dev.attnc.compiler.interp.TensorData;
import dev.attnc.compiler.ir.Attention;
import dev.attnc.kernel.BlockPlan;
import java.util.HashMap;
import java.util.Map;

/** One call to check: an attention (from source text), sizes, storage dtype and parameter values; runs it on the CPU backend and the reference. */
final class Fixture {
    final Attention attention;
    final Sizes sizes;
    final DType dtype;
    final Map<String, Object> scalars = new HashMap<>();
    final Map<String, Tensor> tensors = new HashMap<>();
    final Tensor q, k, v;

    Fixture(Attention attention, Sizes s, DType dtype) {
        this.attention = attention;
        this.sizes = s;
        this.dtype = dtype;
        q = Tensor.random(dtype, 1, s.B(), s.H(), s.Q_LEN(), s.D());
        k = Tensor.random(dtype, 2, s.B(), s.H_KV(), s.KV_LEN(), s.D());
        v = Tensor.random(dtype, 3, s.B(), s.H_KV(), s.KV_LEN(), s.DV());
    }

    static Attention parse(String source) {
        return Compilation.of(new SourceFile("test.attn", source)).orThrow().optimized(null);
    }

    Fixture scalar(String name, Object value) {
        scalars.put(name, value);
        return this;
    }

    Fixture tensor(String name, Tensor t) {
        tensors.put(name, t);
        return this;
    }

    Bindings bindings() {
        return bindings(scalars, tensors);
    }

    /** Scalars and tensors as the reference interpreter takes them. */
    static Bindings bindings(Map<String, Object> scalars, Map<String, Tensor> tensors) {
        Map<String, TensorData> data = new HashMap<>();
        tensors.forEach((name, t) -> data.put(name, new TensorData() {
            public long[] shape() { return t.shape(); }
            public double get(long i) { return t.getDouble(i); }
        }));
        return new Bindings(scalars, data);
    }

    BlockPlan bruteForcePlan(CpuBackend backend) {
        var tiles = backend.tilePlan(sizes.D());
        return ExactTiles.plan(attention, sizes, bindings(), tiles.blockM(), tiles.blockN(), false);
    }

    BlockPlan densePlan(CpuBackend backend) {
        var tiles = backend.tilePlan(sizes.D());
        return BlockPlan.dense(tiles.blockM(), tiles.blockN(), sizes.Q_LEN(), sizes.KV_LEN(), false);
    }

    RunOutputs run(CpuBackend backend, BlockPlan plan) {
        CompiledKernel kernel = backend.compile(new KernelRequest(attention, dtype, sizes.D(), sizes.DV(), backend.tilePlan(sizes.D())));
        return kernel.run(new RunInputs(sizes, q, k, v, scalars, tensors, Reference.defaultScale(sizes), plan));
    }

    Reference.Output reference() {
        return Reference.run(attention, sizes, q.toDoubleArray(), k.toDoubleArray(), v.toDoubleArray(), bindings(), Reference.defaultScale(sizes));
    }

    /**
     * Runs with {@code plan} and compares with the reference: O within 2e-4 plus the rounding of
     * the storage type, LSE within 2e-4 (both -inf for a row that keeps nothing); never NaN.
     */
    RunOutputs check(CpuBackend backend, BlockPlan plan) {
        RunOutputs out = run(backend, plan);
        Reference.Output ref = reference();
        double rounding = switch (dtype) {
            case BF16 -> Math.scalb(1.0, -8);
            case F16 -> Math.scalb(1.0, -11);
            default -> 0;
        };
        for (int i = 0; i < ref.o().length; i++) {
            double got = out.o().getDouble(i);
            double want = ref.o()[i];
            assertFalse(Double.isNaN(got), "O[" + i + "] is NaN");
            assertTrue(Math.abs(got - want) <= 2e-4 + Math.abs(want) * rounding, "O[" + i + "] = " + got + ", reference " + want);
        }
        for (int i = 0; i < ref.lse().length; i++) {
            double got = out.lse().getDouble(i);
            double want = ref.lse()[i];
            boolean ok = want == Double.NEGATIVE_INFINITY ? got == want : Math.abs(got - want) <= 2e-4;
            assertTrue(ok, "LSE[" + i + "] = " + got + ", reference " + want);
        }
        return out;
    }
}
