package dev.attnc.compiler.sparsity;

import dev.attnc.compiler.ir.Expr;
import dev.attnc.compiler.ir.Expr.*;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * A mask flattened into topological order (operands before users, the root last), each shared
 * node once, with what each node reads. The evaluators run over it with one value per node, so a
 * DAG costs its node count, not the size of the tree it unfolds to.
 */
final class Dag {
    static final int B = 1, H = 2, Q = 4, KV = 8, TENSOR = 16, SCORE = 32;
    /** What makes a node vary over a tile of one slot: without these bits it is one value per slot. */
    static final int VARYING = Q | KV | TENSOR | SCORE;

    final Expr[] nodes;
    final int[][] args;
    /** Per node, the bits of what it reads (itself or through its operands). */
    final int[] reads;
    private final Map<Expr, Integer> index;

    private Dag(Expr[] nodes, int[][] args, int[] reads, Map<Expr, Integer> index) {
        this.nodes = nodes;
        this.args = args;
        this.reads = reads;
        this.index = index;
    }

    static Dag of(Expr root) {
        Map<Expr, Integer> index = new IdentityHashMap<>();
        List<Expr> order = new ArrayList<>();
        visit(root, index, order);
        int n = order.size();
        int[][] args = new int[n][];
        int[] reads = new int[n];
        for (int i = 0; i < n; i++) {
            Expr e = order.get(i);
            List<Expr> children = e.children();
            args[i] = new int[children.size()];
            int r = own(e);
            for (int k = 0; k < children.size(); k++) {
                args[i][k] = index.get(children.get(k));
                r |= reads[args[i][k]];
            }
            reads[i] = r;
        }
        return new Dag(order.toArray(Expr[]::new), args, reads, index);
    }

    private static void visit(Expr e, Map<Expr, Integer> index, List<Expr> order) {
        if (index.containsKey(e)) return;
        for (Expr c : e.children()) visit(c, index, order);
        index.put(e, order.size());
        order.add(e);
    }

    private static int own(Expr e) {
        return switch (e) {
            case Index i -> switch (i.axis()) {
                case B -> B;
                case H -> H;
                case Q -> Q;
                case KV -> KV;
            };
            case Load l -> TENSOR;
            case Score s -> SCORE;
            case IntConst c -> 0;
            case FloatConst c -> 0;
            case BoolConst c -> 0;
            case Size s -> 0;
            case Param p -> 0;
            case Unary u -> 0;
            case Binary b -> 0;
            case Select s -> 0;
        };
    }

    int root() {
        return nodes.length - 1;
    }

    int size() {
        return nodes.length;
    }

    /** What the whole mask reads. */
    int readsAll() {
        return reads[root()];
    }

    /** Whether node i has one value per slot (reads no q, kv, tensor or score). */
    boolean invariant(int i) {
        return (reads[i] & VARYING) == 0;
    }

    /** Whether an expression of this DAG has one value per slot. */
    boolean invariant(Expr e) {
        return invariant(index.get(e));
    }
}
