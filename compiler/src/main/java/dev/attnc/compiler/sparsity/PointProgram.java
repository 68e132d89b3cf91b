package dev.attnc.compiler.sparsity;

import dev.attnc.compiler.interp.Bindings;
import dev.attnc.compiler.interp.Sizes;
import dev.attnc.compiler.interp.TensorData;
import dev.attnc.compiler.ir.BinaryOp;
import dev.attnc.compiler.ir.Expr.*;
import dev.attnc.compiler.ir.Semantics;
import dev.attnc.compiler.ir.Type;
import dev.attnc.compiler.ir.UnaryOp;
import java.util.Arrays;

/**
 * The mask at single (q, kv) points, fast enough to run on every pair: the interpreter's meaning
 * (the same {@link Semantics} calls) over a flat {@link Dag} with one unboxed double per node
 * (ints and bools fit exactly), each node decoded once into an {@link Op} and computed in the
 * outermost loop where it is fixed: per slot, per query row, or per pair. Tests check it against
 * the interpreter.
 *
 * @see dev.attnc.compiler.interp.Evaluator
 */
final class PointProgram {
    private enum Op { CONST, B, H, Q, KV, NOT, TO_FLOAT, TO_INT, FLOOR, CEIL, UNARY_INT, UNARY_FLOAT, BINARY_INT, BINARY_FLOAT, COMPARE, LOGIC, SELECT, LOAD }

    private final int root;
    private final int[][] args;
    private final Op[] ops;
    private final UnaryOp[] unaryOps;
    private final BinaryOp[] binaryOps;
    /** Per node: the value of a constant, size or parameter. */
    private final double[] constants;
    /** Per load node: its tensor, that tensor's shape and element type. */
    private final TensorData[] tensors;
    private final long[][] shapes;
    private final Type[] elementTypes;
    private final int[] perSlot, perRow, perPair;

    PointProgram(Dag dag, Sizes sizes, Bindings bindings) {
        int n = dag.size();
        root = dag.root();
        args = dag.args;
        ops = new Op[n];
        unaryOps = new UnaryOp[n];
        binaryOps = new BinaryOp[n];
        constants = new double[n];
        tensors = new TensorData[n];
        shapes = new long[n][];
        elementTypes = new Type[n];
        int[] slot = new int[n], row = new int[n], pair = new int[n];
        int s = 0, r = 0, p = 0;
        for (int i = 0; i < n; i++) {
            ops[i] = decode(i, dag, sizes, bindings);
            if ((dag.reads[i] & Dag.KV) != 0) pair[p++] = i;
            else if ((dag.reads[i] & Dag.Q) != 0) row[r++] = i;
            else slot[s++] = i;
        }
        perSlot = Arrays.copyOf(slot, s);
        perRow = Arrays.copyOf(row, r);
        perPair = Arrays.copyOf(pair, p);
    }

    private Op decode(int i, Dag dag, Sizes sizes, Bindings bindings) {
        return switch (dag.nodes[i]) {
            case IntConst c -> constant(i, c.value());
            case FloatConst c -> constant(i, c.value());
            case BoolConst c -> constant(i, c.value() ? 1 : 0);
            case Size x -> constant(i, sizes.get(x.size()));
            case Param x -> constant(i, switch (bindings.scalars().get(x.name())) {
                case Boolean v -> v ? 1 : 0;
                case Number v -> v.doubleValue();
                case null, default -> throw new IllegalArgumentException("no value for parameter " + x.name());
            });
            case Index x -> switch (x.axis()) {
                case B -> Op.B;
                case H -> Op.H;
                case Q -> Op.Q;
                case KV -> Op.KV;
            };
            case Score x -> throw new IllegalArgumentException("a mask cannot read the score");
            case Unary u -> {
                unaryOps[i] = u.op();
                yield switch (u.op()) {
                    case NOT -> Op.NOT;
                    case TO_FLOAT -> Op.TO_FLOAT;
                    case TO_INT -> Op.TO_INT;
                    case FLOOR -> Op.FLOOR;
                    case CEIL -> Op.CEIL;
                    default -> u.operand().type() == Type.INT ? Op.UNARY_INT : Op.UNARY_FLOAT;
                };
            }
            case Binary x -> {
                binaryOps[i] = x.op();
                Type in = x.left().type();
                yield in == Type.BOOL ? Op.LOGIC : x.op().isComparison() ? Op.COMPARE : in == Type.INT ? Op.BINARY_INT : Op.BINARY_FLOAT;
            }
            case Select x -> Op.SELECT;
            case Load l -> {
                tensors[i] = bindings.tensors().get(l.tensor().name());
                if (tensors[i] == null) throw new IllegalArgumentException("no tensor for parameter " + l.tensor().name());
                shapes[i] = tensors[i].shape();
                elementTypes[i] = l.tensor().elementType();
                yield Op.LOAD;
            }
        };
    }

    private Op constant(int i, double v) {
        constants[i] = v;
        return Op.CONST;
    }

    /** Fresh values for one evaluation thread. */
    double[] frame() {
        return new double[ops.length];
    }

    void enterSlot(double[] v, int b, int h) {
        for (int i : perSlot) v[i] = node(i, v, b, h, 0, 0);
    }

    void enterRow(double[] v, int b, int h, int q) {
        for (int i : perRow) v[i] = node(i, v, b, h, q, 0);
    }

    /** Whether (q, kv) is kept; the slot and row must have been entered. */
    boolean kept(double[] v, int b, int h, int q, int kv) {
        for (int i : perPair) v[i] = node(i, v, b, h, q, kv);
        return v[root] != 0;
    }

    private double node(int i, double[] v, int b, int h, int q, int kv) {
        int[] a = args[i];
        return switch (ops[i]) {
            case CONST -> constants[i];
            case B -> b;
            case H -> h;
            case Q -> q;
            case KV -> kv;
            case NOT -> v[a[0]] != 0 ? 0 : 1;
            case TO_FLOAT -> v[a[0]];
            case TO_INT -> Semantics.toInt(v[a[0]]);
            case FLOOR -> Semantics.floor(v[a[0]]);
            case CEIL -> Semantics.ceil(v[a[0]]);
            case UNARY_INT -> Semantics.unary(unaryOps[i], (int) v[a[0]]);
            case UNARY_FLOAT -> Semantics.unary(unaryOps[i], v[a[0]]);
            case BINARY_INT -> Semantics.binary(binaryOps[i], (int) v[a[0]], (int) v[a[1]]);
            case BINARY_FLOAT -> Semantics.binary(binaryOps[i], v[a[0]], v[a[1]]);
            case COMPARE -> Semantics.compare(binaryOps[i], v[a[0]], v[a[1]]) ? 1 : 0;
            case LOGIC -> Semantics.logic(binaryOps[i], v[a[0]] != 0, v[a[1]] != 0) ? 1 : 0;
            case SELECT -> v[a[0]] != 0 ? v[a[1]] : v[a[2]];
            case LOAD -> load(i, a, v);
        };
    }

    private double load(int i, int[] a, double[] v) {
        long[] shape = shapes[i];
        long flat = 0;
        for (int k = 0; k < a.length; k++) {
            // the language's meaning of an index outside the shape: the nearest element
            long index = Math.clamp((long) v[a[k]], 0, shape[k] - 1);
            flat = flat * shape[k] + index;
        }
        double x = tensors[i].get(flat);
        return switch (elementTypes[i]) {
            case INT -> (int) x;
            case FLOAT -> x;
            case BOOL -> x != 0 ? 1 : 0;
        };
    }
}
