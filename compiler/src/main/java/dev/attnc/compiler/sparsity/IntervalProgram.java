package dev.attnc.compiler.sparsity;

import dev.attnc.compiler.interp.Bindings;
import dev.attnc.compiler.interp.Evaluator;
import dev.attnc.kernel.Sizes;
import dev.attnc.compiler.interp.TensorData;
import dev.attnc.compiler.ir.BinaryOp;
import dev.attnc.compiler.ir.Expr;
import dev.attnc.compiler.ir.Expr.*;
import dev.attnc.compiler.ir.Type;
import java.util.HashMap;
import java.util.Map;

/**
 * Evaluates a mask over a box of pairs (q in [q0, q1], kv in [k0, k1], one slot's b and h) to
 * TRUE (every pair kept), FALSE (none kept) or UNKNOWN: ints as {@link IntRange}, floats as
 * {@link FloatRange}, bools as {@link Tri}, tensor reads through {@link TensorSummary}. Sound by
 * construction: each node's range holds every value it takes in the box. Nodes with one value
 * per slot (sizes, parameters, b, h and anything built only from them, whatever the operation)
 * are evaluated exactly, once per slot, by the reference {@link Evaluator}.
 */
final class IntervalProgram {
    private final Dag dag;
    private final Sizes sizes;
    private final Bindings bindings;
    /** Per node: the summary of the tensor a load reads (null for other nodes). */
    private final TensorSummary[] summaries;
    private final int[] varying;

    IntervalProgram(Dag dag, Sizes sizes, Bindings bindings) {
        this.dag = dag;
        this.sizes = sizes;
        this.bindings = bindings;
        summaries = new TensorSummary[dag.size()];
        Map<String, TensorSummary> byName = new HashMap<>();
        int count = 0;
        for (int i = 0; i < dag.size(); i++) {
            if (!dag.invariant(i)) count++;
            if (dag.nodes[i] instanceof Load l) {
                TensorData data = bindings.tensors().get(l.tensor().name());
                if (data == null) throw new IllegalArgumentException("no tensor for parameter " + l.tensor().name());
                summaries[i] = byName.computeIfAbsent(l.tensor().name(), n -> new TensorSummary(data));
            }
        }
        varying = new int[count];
        for (int i = 0, k = 0; i < dag.size(); i++) if (!dag.invariant(i)) varying[k++] = i;
    }

    /** Whether every node that varies over a tile is one this evaluator bounds (float math other than + - * min max abs is not). */
    static boolean supports(Dag dag) {
        for (int i = 0; i < dag.size(); i++) {
            if (dag.invariant(i)) continue;
            boolean ok = switch (dag.nodes[i]) {
                case Index x -> true;
                case Load x -> true;
                case Select x -> true;
                case Unary u -> switch (u.op()) {
                    case NEG, ABS, NOT, TO_FLOAT -> true;
                    default -> false;
                };
                case Binary b -> switch (b.op()) {
                    case DIV -> false;
                    case FLOOR_MOD -> b.left().type() == Type.INT;
                    default -> true;
                };
                case Score x -> false;
                case IntConst _, FloatConst _, BoolConst _, Size _, Param _ -> true;
            };
            if (!ok) return false;
        }
        return true;
    }

    /** The exact values of one slot's per-slot nodes, to pass to {@link #eval}. */
    Object[] slot(int b, int h) {
        Object[] values = new Object[dag.size()];
        Evaluator ev = new Evaluator(sizes, bindings).at(b, h, 0, 0, 0);
        for (int i = 0; i < dag.size(); i++) {
            if (!dag.invariant(i)) continue;
            values[i] = switch (ev.eval(dag.nodes[i])) {
                case Integer v -> IntRange.point(v);
                case Double v -> FloatRange.point(v);
                case Boolean v -> Tri.of(v);
                default -> throw new IllegalStateException("value of " + dag.nodes[i]);
            };
        }
        return values;
    }

    /** The mask over the box q0..q1 × k0..k1 (inclusive) of the slot whose values are given. */
    Tri eval(Object[] slot, int q0, int q1, int k0, int k1) {
        Object[] v = slot.clone();
        for (int i : varying) v[i] = node(i, v, q0, q1, k0, k1);
        return (Tri) v[dag.root()];
    }

    private Object node(int i, Object[] v, int q0, int q1, int k0, int k1) {
        int[] a = dag.args[i];
        return switch (dag.nodes[i]) {
            case Index x -> switch (x.axis()) {
                case Q -> new IntRange(q0, q1);
                case KV -> new IntRange(k0, k1);
                case B, H -> throw new IllegalStateException("b and h are exact per slot");
            };
            case Unary u -> unary(u, v[a[0]]);
            case Binary b -> binary(b.op(), v[a[0]], v[a[1]]);
            case Select s -> select((Tri) v[a[0]], v[a[1]], v[a[2]]);
            case Load l -> load(l, i, a, v);
            case IntConst _, FloatConst _, BoolConst _, Size _, Param _, Score _ ->
                    throw new IllegalStateException("not a varying node: " + dag.nodes[i]);
        };
    }

    private static Object unary(Unary u, Object x) {
        return switch (x) {
            case IntRange r -> switch (u.op()) {
                case NEG -> r.neg();
                case ABS -> r.abs();
                case TO_FLOAT -> FloatRange.of(r);
                default -> throw unsupported(u.op().word);
            };
            case FloatRange r -> switch (u.op()) {
                case NEG -> r.neg();
                case ABS -> r.abs();
                default -> throw unsupported(u.op().word);
            };
            case Tri t -> t.not();
            default -> throw new IllegalStateException("operand " + x);
        };
    }

    private static Object binary(BinaryOp op, Object x, Object y) {
        return switch (x) {
            case IntRange l -> {
                IntRange r = (IntRange) y;
                yield switch (op) {
                    case ADD -> l.add(r);
                    case SUB -> l.sub(r);
                    case MUL -> l.mul(r);
                    case MIN -> l.min(r);
                    case MAX -> l.max(r);
                    case FLOOR_DIV -> l.div(r, true);
                    case TRUNC_DIV -> l.div(r, false);
                    case FLOOR_MOD -> l.floorMod(r);
                    case TRUNC_MOD -> l.truncMod(r);
                    case LT, LE, GT, GE, EQ, NE -> l.compare(op, r);
                    case DIV, AND, OR -> throw unsupported(op.word);
                };
            }
            case FloatRange l -> {
                FloatRange r = (FloatRange) y;
                yield switch (op) {
                    case ADD -> l.add(r);
                    case SUB -> l.sub(r);
                    case MUL -> l.mul(r);
                    case MIN -> l.min(r);
                    case MAX -> l.max(r);
                    case LT, LE, GT, GE, EQ, NE -> l.compare(op, r);
                    default -> throw unsupported(op.word);
                };
            }
            case Tri l -> {
                Tri r = (Tri) y;
                yield switch (op) {
                    case AND -> l.and(r);
                    case OR -> l.or(r);
                    case EQ -> l.same(r);
                    case NE -> l.same(r).not();
                    default -> throw unsupported(op.word);
                };
            }
            default -> throw new IllegalStateException("operand " + x);
        };
    }

    private static Object select(Tri c, Object then, Object otherwise) {
        if (c != Tri.UNKNOWN) return c == Tri.TRUE ? then : otherwise;
        return switch (then) {
            case IntRange t -> t.hull((IntRange) otherwise);
            case FloatRange t -> t.hull((FloatRange) otherwise);
            case Tri t -> Tri.UNKNOWN.choose(t, (Tri) otherwise);
            default -> throw new IllegalStateException("operand " + then);
        };
    }

    private Object load(Load l, int i, int[] a, Object[] v) {
        IntRange[] indices = new IntRange[a.length];
        for (int k = 0; k < a.length; k++) indices[k] = (IntRange) v[a[k]];
        FloatRange r = summaries[i].read(indices);
        return switch (l.tensor().elementType()) {
            case FLOAT -> r;
            // the interpreter casts with (int), which is monotone
            case INT -> r.nan() ? IntRange.TOP : IntRange.of((int) r.lo(), (int) r.hi());
            // the interpreter reads v != 0
            case BOOL -> r.lo() > 0 || r.hi() < 0 ? Tri.TRUE : !r.nan() && r.lo() == 0 && r.hi() == 0 ? Tri.FALSE : Tri.UNKNOWN;
        };
    }

    private static IllegalStateException unsupported(String op) {
        return new IllegalStateException(op + " is not bounded by interval analysis (the planner should have used brute force)");
    }
}
