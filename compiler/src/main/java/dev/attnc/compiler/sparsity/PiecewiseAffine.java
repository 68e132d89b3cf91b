package dev.attnc.compiler.sparsity;

import dev.attnc.compiler.ir.BinaryOp;
import dev.attnc.compiler.ir.Expr;
import dev.attnc.compiler.ir.Expr.*;
import dev.attnc.compiler.ir.Type;
import dev.attnc.compiler.ir.UnaryOp;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Rewrites a mask into an equal one whose comparisons are all between affine terms (q, kv and
 * per-slot values joined by + - and · by a per-slot value), or says it cannot. abs, min, max and
 * integer selects are split into pieces first: {@code abs(q - kv) <= w} is
 * {@code (q - kv >= 0 && q - kv <= w) || (q - kv < 0 && -(q - kv) <= w)}. For such masks, what a
 * query row keeps is a union of intervals of kv, found exactly by {@link AffinePlanner}.
 * <p>
 * Per-slot values are nodes that read none of q, kv, tensors: sizes, parameters, b, h and
 * whatever is built from them ({@code Q_LEN / W} too); the planner evaluates them exactly.
 * The pieces are equal in exact integer arithmetic; {@link AffineLowering} checks that no term
 * leaves the int range, so the interpreter's wrapping ints never differ from it.
 */
final class PiecewiseAffine {
    /** More pieces than this in one term and the mask is not worth treating as affine. */
    static final int MAX_PIECES = 16;
    private static final Expr ZERO = new IntConst(0);

    private record Piece(Expr guard, Expr term) {}

    private static final class NotAffine extends RuntimeException {
        NotAffine() {
            super(null, null, false, false);
        }
    }

    private final Dag dag;
    /** Each shared node is rewritten once. */
    private final Map<Expr, Expr> bools = new IdentityHashMap<>();
    private final Map<Expr, List<Piece>> ints = new IdentityHashMap<>();

    private PiecewiseAffine(Dag dag) {
        this.dag = dag;
    }

    /** The mask with affine comparisons only, or empty when it has other kinds of terms. */
    static Optional<Expr> rewrite(Dag dag) {
        try {
            return Optional.of(new PiecewiseAffine(dag).bool(dag.nodes[dag.root()]));
        } catch (NotAffine e) {
            return Optional.empty();
        }
    }

    private Expr bool(Expr e) {
        Expr known = bools.get(e);
        if (known != null) return known;
        Expr out = dag.invariant(e) ? e : switch (e) {
            case Unary u when u.op() == UnaryOp.NOT -> new Unary(UnaryOp.NOT, bool(u.operand()));
            case Binary b when b.left().type() == Type.BOOL -> new Binary(b.op(), bool(b.left()), bool(b.right()));
            case Binary b when b.left().type() == Type.INT && b.op().isComparison() -> compare(b);
            case Select s -> new Select(bool(s.condition()), bool(s.then()), bool(s.otherwise()));
            case Unary _, Binary _, Load _, Score _, IntConst _, FloatConst _, BoolConst _, Index _, Size _, Param _ -> throw new NotAffine();
        };
        bools.put(e, out);
        return out;
    }

    /** l ⋈ r is true where, for some pair of pieces, both guards hold and the terms compare. */
    private Expr compare(Binary b) {
        Expr any = null;
        for (Piece l : pieces(b.left())) {
            for (Piece r : pieces(b.right())) {
                any = or(any, and(and(l.guard, r.guard), new Binary(b.op(), l.term, r.term)));
            }
        }
        return any;
    }

    private List<Piece> pieces(Expr e) {
        List<Piece> known = ints.get(e);
        if (known != null) return known;
        List<Piece> out = dag.invariant(e) ? List.of(new Piece(null, e)) : switch (e) {
            case Index i -> List.of(new Piece(null, e));
            case Unary u when u.op() == UnaryOp.NEG -> map(pieces(u.operand()), (g, t) -> List.of(new Piece(g, neg(t))));
            case Unary u when u.op() == UnaryOp.ABS -> map(pieces(u.operand()), (g, t) -> List.of(
                    new Piece(and(g, new Binary(BinaryOp.GE, t, ZERO)), t),
                    new Piece(and(g, new Binary(BinaryOp.LT, t, ZERO)), neg(t))));
            case Binary b -> binary(b);
            case Select s -> {
                Expr c = bool(s.condition());
                List<Piece> both = new ArrayList<>();
                for (Piece p : pieces(s.then())) both.add(new Piece(and(c, p.guard), p.term));
                for (Piece p : pieces(s.otherwise())) both.add(new Piece(and(new Unary(UnaryOp.NOT, c), p.guard), p.term));
                yield both;
            }
            case Unary _, Load _, Score _, IntConst _, FloatConst _, BoolConst _, Size _, Param _ -> throw new NotAffine();
        };
        if (out.size() > MAX_PIECES) throw new NotAffine();
        ints.put(e, out);
        return out;
    }

    private List<Piece> binary(Binary b) {
        BinaryOp op = b.op();
        return switch (op) {
            case ADD, SUB -> cross(b, (l, r) -> List.of(new Piece(and(l.guard, r.guard), new Binary(op, l.term, r.term))));
            case MUL -> {
                if (!dag.invariant(b.left()) && !dag.invariant(b.right())) throw new NotAffine();
                yield cross(b, (l, r) -> List.of(new Piece(and(l.guard, r.guard), new Binary(op, l.term, r.term))));
            }
            case MIN, MAX -> cross(b, (l, r) -> {
                Expr g = and(l.guard, r.guard);
                Expr leftWins = new Binary(op == BinaryOp.MIN ? BinaryOp.LE : BinaryOp.GE, l.term, r.term);
                return List.of(new Piece(and(g, leftWins), l.term), new Piece(and(g, new Unary(UnaryOp.NOT, leftWins)), r.term));
            });
            default -> throw new NotAffine();
        };
    }

    private interface PieceMap {
        List<Piece> apply(Expr guard, Expr term);
    }

    private interface PiecePair {
        List<Piece> apply(Piece l, Piece r);
    }

    private static List<Piece> map(List<Piece> in, PieceMap f) {
        List<Piece> out = new ArrayList<>();
        for (Piece p : in) out.addAll(f.apply(p.guard, p.term));
        return out;
    }

    private List<Piece> cross(Binary b, PiecePair f) {
        List<Piece> out = new ArrayList<>();
        for (Piece l : pieces(b.left())) for (Piece r : pieces(b.right())) out.addAll(f.apply(l, r));
        return out;
    }

    private static Expr neg(Expr t) {
        return new Unary(UnaryOp.NEG, t);
    }

    /** a && b, where null stands for true. */
    private static Expr and(Expr a, Expr b) {
        return a == null ? b : b == null ? a : new Binary(BinaryOp.AND, a, b);
    }

    /** a || b, where null stands for false. */
    private static Expr or(Expr a, Expr b) {
        return a == null ? b : new Binary(BinaryOp.OR, a, b);
    }
}
