package dev.attnc.compiler.interp;

import dev.attnc.compiler.ir.Attention;
import dev.attnc.compiler.ir.ParamDecl;
import dev.attnc.compiler.ir.Type;
import java.util.HashMap;
import java.util.Map;

/**
 * The run-time values of an attention's parameters: scalars (Integer, Double, Boolean) and tensors.
 * {@link #complete} fills defaults; the runtime validates shapes before anything runs.
 */
public record Bindings(Map<String, Object> scalars, Map<String, TensorData> tensors) {
    public Bindings {
        scalars = Map.copyOf(scalars);
        tensors = Map.copyOf(tensors);
    }

    public static Bindings none() {
        return new Bindings(Map.of(), Map.of());
    }

    /**
     * These bindings for a sequence shorter than the call (sizes {@code s} with its own KV_LEN):
     * each tensor seen with its declared shape at {@code s}, as the row-major prefix of its elements
     * (a per-key array doc[KV_LEN] keeps its first KV_LEN values). Kernels read tensors so in such a
     * sequence, which keeps every index proof made over KV_LEN valid there.
     */
    public Bindings atSizes(Attention a, dev.attnc.kernel.Sizes s) {
        Map<String, TensorData> seen = new HashMap<>(tensors);
        for (ParamDecl p : a.params()) {
            if (p instanceof ParamDecl.Tensor t && tensors.containsKey(t.name())) {
                TensorData all = tensors.get(t.name());
                long[] shape = t.tensor().dims().stream()
                        .mapToLong(d -> dev.attnc.compiler.passes.RangeAnalysis.dimension(d).eval(s.asMap())).toArray();
                seen.put(t.name(), new TensorData() {
                    public long[] shape() { return shape.clone(); }
                    public double get(long i) { return all.get(i); }
                });
            }
        }
        return new Bindings(scalars, seen);
    }

    /** These bindings with every defaulted scalar that was not given filled in, ints promoted for float parameters. */
    public Bindings complete(Attention a) {
        Map<String, Object> s = new HashMap<>(scalars);
        for (ParamDecl p : a.params()) {
            if (p instanceof ParamDecl.Scalar sc) {
                Object v = s.get(sc.name());
                if (v == null) v = sc.defaultValue();
                if (v == null) throw new IllegalArgumentException("no value for parameter " + sc.name());
                if (sc.type() == Type.FLOAT && v instanceof Number n) v = n.doubleValue();
                s.put(sc.name(), v);
            }
        }
        return new Bindings(s, tensors);
    }
}
