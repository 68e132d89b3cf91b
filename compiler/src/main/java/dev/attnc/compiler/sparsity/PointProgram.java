package dev.attnc.compiler.sparsity;

import dev.attnc.compiler.interp.Bindings;
import dev.attnc.kernel.Sizes;
import dev.attnc.compiler.interp.TensorData;
import dev.attnc.compiler.ir.BinaryOp;
import dev.attnc.compiler.ir.Expr.*;
import dev.attnc.compiler.ir.Semantics;
import dev.attnc.compiler.ir.Type;
import dev.attnc.compiler.ir.UnaryOp;
import java.util.Arrays;
import java.util.stream.IntStream;

/**
 * The mask at every (q, kv) pair, fast enough for brute force: the interpreter's meaning (the
 * same {@link Semantics} calls) over a flat {@link Dag}, run a key tile at a time. Each node is
 * decoded once into an {@link Op}; nodes that vary with kv are computed as columns over the
 * tile's keys (one dispatch per node per tile, not per pair), nodes fixed per slot or per row
 * once there and broadcast. Values are doubles (ints and bools fit exactly). Tests check it
 * against the interpreter.
 *
 * @see dev.attnc.compiler.interp.Evaluator
 */
final class PointProgram {
    private enum Op { CONST, B, H, Q, KV, NOT, TO_FLOAT, TO_INT, FLOOR, CEIL, UNARY_INT, UNARY_FLOAT, BINARY_INT, BINARY_FLOAT, COMPARE, LOGIC, SELECT, LOAD }

    /** One thread's values: a column per node, of which per-slot and per-row nodes fill [0] and broadcast it. */
    static final class Frame {
        private final double[][] columns;
        private int b, h, q;

        private Frame(int nodes, int width) {
            columns = new double[nodes][width];
        }
    }

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
    /** Nodes fixed per slot or row whose value a kv-varying node (or the result) reads as a column. */
    private final int[] broadcast;

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
        boolean[] read = new boolean[n];
        for (int i = 0; i < n; i++) {
            ops[i] = decode(i, dag, sizes, bindings);
            if (varies(dag, i)) {
                pair[p++] = i;
                for (int a : args[i]) read[a] |= !varies(dag, a);
            } else if ((dag.reads[i] & Dag.Q) != 0) row[r++] = i;
            else slot[s++] = i;
        }
        read[root] |= !varies(dag, root);
        perSlot = Arrays.copyOf(slot, s);
        perRow = Arrays.copyOf(row, r);
        perPair = Arrays.copyOf(pair, p);
        broadcast = IntStream.range(0, n).filter(i -> read[i]).toArray();
    }

    private static boolean varies(Dag dag, int i) {
        return (dag.reads[i] & Dag.KV) != 0;
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

    /** Fresh values for one thread, for key tiles of up to {@code width} keys. */
    Frame frame(int width) {
        return new Frame(ops.length, width);
    }

    void enterSlot(Frame f, int b, int h) {
        f.b = b;
        f.h = h;
        for (int i : perSlot) eval(i, f, 0, 1);
    }

    void enterRow(Frame f, int q) {
        f.q = q;
        for (int i : perRow) eval(i, f, 0, 1);
        for (int i : broadcast) Arrays.fill(f.columns[i], f.columns[i][0]);
    }

    /** For keys [k0, k1) of the current row: bit 1 set if some pair is kept, bit 2 if some is dropped. */
    int tile(Frame f, int k0, int k1) {
        int len = k1 - k0;
        for (int i : perPair) eval(i, f, k0, len);
        double[] kept = f.columns[root];
        int seen = 0;
        for (int j = 0; j < len; j++) seen |= kept[j] != 0 ? 1 : 2;
        return seen;
    }

    /** Node i at keys k0 .. k0 + len - 1 into its column (len is 1 for nodes fixed per slot or row). */
    private void eval(int i, Frame f, int k0, int len) {
        double[] c = f.columns[i];
        int[] a = args[i];
        double[] x = a.length > 0 ? f.columns[a[0]] : null, y = a.length > 1 ? f.columns[a[1]] : null;
        switch (ops[i]) {
            case CONST -> c[0] = constants[i];
            case B -> c[0] = f.b;
            case H -> c[0] = f.h;
            case Q -> c[0] = f.q;
            case KV -> { for (int j = 0; j < len; j++) c[j] = k0 + j; }
            case NOT -> { for (int j = 0; j < len; j++) c[j] = x[j] != 0 ? 0 : 1; }
            case TO_FLOAT -> System.arraycopy(x, 0, c, 0, len);
            case TO_INT -> { for (int j = 0; j < len; j++) c[j] = Semantics.toInt(x[j]); }
            case FLOOR -> { for (int j = 0; j < len; j++) c[j] = Semantics.floor(x[j]); }
            case CEIL -> { for (int j = 0; j < len; j++) c[j] = Semantics.ceil(x[j]); }
            case UNARY_INT -> { for (int j = 0; j < len; j++) c[j] = Semantics.unary(unaryOps[i], (int) x[j]); }
            case UNARY_FLOAT -> { for (int j = 0; j < len; j++) c[j] = Semantics.unary(unaryOps[i], x[j]); }
            case BINARY_INT -> { for (int j = 0; j < len; j++) c[j] = Semantics.binary(binaryOps[i], (int) x[j], (int) y[j]); }
            case BINARY_FLOAT -> { for (int j = 0; j < len; j++) c[j] = Semantics.binary(binaryOps[i], x[j], y[j]); }
            case COMPARE -> { for (int j = 0; j < len; j++) c[j] = Semantics.compare(binaryOps[i], x[j], y[j]) ? 1 : 0; }
            case LOGIC -> { for (int j = 0; j < len; j++) c[j] = Semantics.logic(binaryOps[i], x[j] != 0, y[j] != 0) ? 1 : 0; }
            case SELECT -> {
                double[] z = f.columns[a[2]];
                for (int j = 0; j < len; j++) c[j] = x[j] != 0 ? y[j] : z[j];
            }
            case LOAD -> { for (int j = 0; j < len; j++) c[j] = load(i, a, f.columns, j); }
        }
    }

    private double load(int i, int[] a, double[][] columns, int j) {
        long[] shape = shapes[i];
        long flat = 0;
        for (int k = 0; k < a.length; k++) {
            // the language's meaning of an index outside the shape: the nearest element
            long index = Math.clamp((long) columns[a[k]][j], 0, shape[k] - 1);
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
