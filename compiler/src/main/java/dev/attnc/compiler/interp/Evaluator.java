package dev.attnc.compiler.interp;

import dev.attnc.compiler.ir.Expr;
import dev.attnc.compiler.ir.Expr.*;
import dev.attnc.compiler.ir.Semantics;
import dev.attnc.compiler.ir.Type;
import dev.attnc.kernel.Sizes;
import java.util.List;

/**
 * Evaluates an IR expression at one (b, h, q, kv) point, in double precision for floats and 32-bit
 * ints, with the language's meaning (floor division, clamped tensor indices). Values are Integer,
 * Double or Boolean. This and {@link Reference} are what every backend is checked against.
 */
public final class Evaluator {
    private final Sizes sizes;
    private final Bindings bindings;
    /** The current point: b, h, q, kv, and the incoming score. */
    private int b, h, q, kv;
    private double score;

    public Evaluator(Sizes sizes, Bindings bindings) {
        this.sizes = sizes;
        this.bindings = bindings;
    }

    public Evaluator at(int b, int h, int q, int kv, double score) {
        this.b = b;
        this.h = h;
        this.q = q;
        this.kv = kv;
        this.score = score;
        return this;
    }

    public Object eval(Expr e) {
        return switch (e) {
            case IntConst c -> c.value();
            case FloatConst c -> c.value();
            case BoolConst c -> c.value();
            case Index i -> switch (i.axis()) {
                case B -> b;
                case H -> h;
                case Q -> q;
                case KV -> kv;
            };
            case Size s -> sizes.get(s.size());
            case Param p -> param(p);
            case Score s -> score;
            case Unary u -> unary(u);
            case Binary x -> binary(x);
            case Select s -> (Boolean) eval(s.condition()) ? eval(s.then()) : eval(s.otherwise());
            case Load l -> load(l);
        };
    }

    public boolean evalBool(Expr e) {
        return (Boolean) eval(e);
    }

    public double evalFloat(Expr e) {
        return ((Number) eval(e)).doubleValue();
    }

    private Object param(Param p) {
        Object v = bindings.scalars().get(p.name());
        if (v == null) throw new IllegalArgumentException("no value for parameter " + p.name());
        return p.type() == Type.FLOAT ? ((Number) v).doubleValue() : v;
    }

    private Object unary(Unary u) {
        Object x = eval(u.operand());
        return switch (u.op()) {
            case NOT -> !(Boolean) x;
            case TO_FLOAT -> ((Integer) x).doubleValue();
            case TO_INT -> Semantics.toInt((Double) x);
            case FLOOR -> Semantics.floor((Double) x);
            case CEIL -> Semantics.ceil((Double) x);
            default -> x instanceof Integer i ? (Object) Semantics.unary(u.op(), i) : (Object) Semantics.unary(u.op(), (Double) x);
        };
    }

    private Object binary(Binary x) {
        Object l = eval(x.left());
        Object r = eval(x.right());
        if (l instanceof Boolean a) return Semantics.logic(x.op(), a, (Boolean) r);
        if (x.op().isComparison()) return Semantics.compare(x.op(), ((Number) l).doubleValue(), ((Number) r).doubleValue());
        if (l instanceof Integer a) return Semantics.binary(x.op(), a, (Integer) r);
        return Semantics.binary(x.op(), (Double) l, (Double) r);
    }

    private Object load(Load l) {
        double v = tensor(l).get(flatIndex(l));
        return switch (l.tensor().elementType()) {
            case INT -> (int) v;
            case FLOAT -> v;
            case BOOL -> v != 0;
        };
    }

    /** The row-major index of the element {@code l} reads at the current point, each index clamped into its dimension. */
    public long flatIndex(Load l) {
        long[] shape = tensor(l).shape();
        List<Expr> indices = l.indices();
        long flat = 0;
        for (int i = 0; i < indices.size(); i++) {
            long index = (Integer) eval(indices.get(i));
            // the language's meaning of an index outside the shape: the nearest element
            index = Math.max(0, Math.min(shape[i] - 1, index));
            flat = flat * shape[i] + index;
        }
        return flat;
    }

    private TensorData tensor(Load l) {
        TensorData t = bindings.tensors().get(l.tensor().name());
        if (t == null) throw new IllegalArgumentException("no tensor for parameter " + l.tensor().name());
        return t;
    }
}
