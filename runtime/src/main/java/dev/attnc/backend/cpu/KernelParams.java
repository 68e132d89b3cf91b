package dev.attnc.backend.cpu;

import dev.attnc.AttnInputException;
import dev.attnc.Tensor;
import dev.attnc.compiler.interp.Bindings;
import dev.attnc.compiler.interp.Evaluator;
import dev.attnc.kernel.Sizes;
import dev.attnc.compiler.ir.Attention;
import dev.attnc.compiler.ir.ParamDecl;
import dev.attnc.compiler.ir.TensorParam;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * An attention's parameters as a generated kernel takes them ({@code JavaKernelArgs.params()}):
 * in declaration order, Integer / Float / Boolean scalars and int[] / float[] / boolean[] tensors
 * of exactly the declared shape. Missing values, wrong types and wrong shapes are the caller's
 * mistakes: AttnInputException.
 */
final class KernelParams {
    private KernelParams() {}

    static Object[] of(Attention a, Sizes sizes, Map<String, Object> scalars, Map<String, Tensor> tensors) {
        List<ParamDecl> decls = a.params();
        Object[] out = new Object[decls.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = switch (decls.get(i)) {
                case ParamDecl.Scalar s -> scalar(s, scalars.getOrDefault(s.name(), s.defaultValue()));
                case ParamDecl.Tensor t -> tensor(t.tensor(), sizes, tensors.get(t.name()));
            };
        }
        return out;
    }

    private static Object scalar(ParamDecl.Scalar s, Object v) {
        if (v == null) throw new AttnInputException("no value for parameter '" + s.name() + "'");
        return switch (s.type()) {
            case INT -> {
                if (v instanceof Number n && n.doubleValue() == n.intValue()) yield n.intValue();
                throw new AttnInputException("parameter '" + s.name() + "' is an int, not " + v);
            }
            case FLOAT -> {
                if (v instanceof Number n) yield n.floatValue();
                throw new AttnInputException("parameter '" + s.name() + "' is a float, not " + v);
            }
            case BOOL -> {
                if (v instanceof Boolean b) yield b;
                throw new AttnInputException("parameter '" + s.name() + "' is a bool, not " + v);
            }
        };
    }

    private static Object tensor(TensorParam p, Sizes sizes, Tensor t) {
        if (t == null) throw new AttnInputException("no tensor for parameter '" + p.name() + "'");
        long[] want = new long[p.dims().size()];
        Evaluator ev = new Evaluator(sizes, Bindings.none());
        for (int i = 0; i < want.length; i++) want[i] = (Integer) ev.eval(p.dims().get(i));
        if (!Arrays.equals(want, t.shape())) {
            throw new AttnInputException("parameter '" + p.name() + "' needs shape " + Tensor.shapeString(want) + " but has " + t.shapeString());
        }
        if (t.elementCount() == 0) throw new AttnInputException("parameter '" + p.name() + "' of shape " + t.shapeString() + " is empty");
        if (t.elementCount() > Integer.MAX_VALUE - 8) {
            throw new AttnInputException("too large: parameter '" + p.name() + "' of shape " + t.shapeString() + " has " + t.elementCount()
                    + " elements, more than the java backend holds in one array (" + (Integer.MAX_VALUE - 8) + ")");
        }
        int n = (int) t.elementCount();
        // as the reference reads them: ints through double (saturating), bools as nonzero
        return switch (p.elementType()) {
            case FLOAT -> t.toFloatArray();
            case INT -> {
                int[] a = new int[n];
                for (int i = 0; i < n; i++) a[i] = (int) t.getDouble(i);
                yield a;
            }
            case BOOL -> {
                boolean[] a = new boolean[n];
                for (int i = 0; i < n; i++) a[i] = t.getDouble(i) != 0;
                yield a;
            }
        };
    }
}
