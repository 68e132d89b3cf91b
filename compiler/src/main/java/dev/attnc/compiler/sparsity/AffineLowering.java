package dev.attnc.compiler.sparsity;

import dev.attnc.compiler.interp.Evaluator;
import dev.attnc.compiler.ir.Axis;
import dev.attnc.compiler.ir.BinaryOp;
import dev.attnc.compiler.ir.Expr;
import dev.attnc.compiler.ir.Expr.*;
import dev.attnc.compiler.ir.Type;
import dev.attnc.compiler.ir.UnaryOp;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * A mask from {@link PiecewiseAffine} → the {@link AffineFormula} of one slot: every term becomes
 * the numbers a·q + c·kv + d, with q- and kv-free nodes evaluated exactly by the interpreter at
 * the slot's b and h. Throws ArithmeticException when some term may leave the int range for a q
 * in [0, Q_LEN) and a kv in [0, KV_LEN): there the interpreter's ints wrap, exact arithmetic
 * would mean something else, and the caller must use interval analysis instead.
 */
final class AffineLowering {
    private record Lin(long a, long c, long d) {}

    private final Evaluator slot;
    private final long qMax, kvMax;
    private final Map<Expr, Boolean> readsIndex = new IdentityHashMap<>();
    private final Map<Expr, Lin> lins = new IdentityHashMap<>();
    private final Map<Expr, AffineFormula> formulas = new IdentityHashMap<>();

    private AffineLowering(Evaluator slot, int qLen, int kvLen) {
        this.slot = slot;
        this.qMax = qLen - 1;
        this.kvMax = kvLen - 1;
    }

    /** The formula of {@code mask} (the output of {@link PiecewiseAffine}) for the slot {@code atSlot} stands at. */
    static AffineFormula lower(Expr mask, Evaluator atSlot, int qLen, int kvLen) {
        return new AffineLowering(atSlot, qLen, kvLen).formula(mask);
    }

    private AffineFormula formula(Expr e) {
        AffineFormula known = formulas.get(e);
        if (known != null) return known;
        AffineFormula f = !readsIndex(e) ? new AffineFormula.Const(slot.evalBool(e)) : switch (e) {
            case Unary u when u.op() == UnaryOp.NOT -> new AffineFormula.Not(formula(u.operand()));
            case Binary b when b.left().type() == Type.INT -> atom(b);
            case Binary b -> logic(b.op(), formula(b.left()), formula(b.right()));
            case Select s -> {
                AffineFormula c = formula(s.condition());
                yield new AffineFormula.Or(new AffineFormula.And(c, formula(s.then())),
                        new AffineFormula.And(new AffineFormula.Not(c), formula(s.otherwise())));
            }
            case Unary _, Load _, Score _, IntConst _, FloatConst _, BoolConst _, Index _, Size _, Param _ ->
                    throw new IllegalStateException("not an affine formula: " + e);
        };
        formulas.put(e, f);
        return f;
    }

    private static AffineFormula logic(BinaryOp op, AffineFormula l, AffineFormula r) {
        return switch (op) {
            case AND -> new AffineFormula.And(l, r);
            case OR -> new AffineFormula.Or(l, r);
            case EQ -> new AffineFormula.Or(new AffineFormula.And(l, r),
                    new AffineFormula.And(new AffineFormula.Not(l), new AffineFormula.Not(r)));
            case NE -> new AffineFormula.Or(new AffineFormula.And(l, new AffineFormula.Not(r)),
                    new AffineFormula.And(new AffineFormula.Not(l), r));
            default -> throw new IllegalStateException(op + " of bools");
        };
    }

    private AffineFormula atom(Binary b) {
        Lin l = lin(b.left());
        Lin r = lin(b.right());
        return new AffineFormula.Atom(l.a - r.a, l.c - r.c, l.d - r.d, b.op());
    }

    private Lin lin(Expr e) {
        Lin known = lins.get(e);
        if (known != null) return known;
        Lin v = !readsIndex(e) ? new Lin(0, 0, (Integer) slot.eval(e)) : switch (e) {
            case Index i -> i.axis() == Axis.Q ? new Lin(1, 0, 0) : new Lin(0, 1, 0);
            case Unary u when u.op() == UnaryOp.NEG -> {
                Lin x = lin(u.operand());
                yield new Lin(Math.negateExact(x.a), Math.negateExact(x.c), Math.negateExact(x.d));
            }
            case Binary b -> binary(b.op(), lin(b.left()), lin(b.right()));
            case Unary _, Select _, Load _, Score _, IntConst _, FloatConst _, BoolConst _, Size _, Param _ ->
                    throw new IllegalStateException("not an affine term: " + e);
        };
        checkRange(v);
        lins.put(e, v);
        return v;
    }

    private static Lin binary(BinaryOp op, Lin l, Lin r) {
        return switch (op) {
            case ADD -> new Lin(Math.addExact(l.a, r.a), Math.addExact(l.c, r.c), Math.addExact(l.d, r.d));
            case SUB -> new Lin(Math.subtractExact(l.a, r.a), Math.subtractExact(l.c, r.c), Math.subtractExact(l.d, r.d));
            case MUL -> {
                boolean leftConstant = l.a == 0 && l.c == 0;
                if (!leftConstant && (r.a != 0 || r.c != 0)) throw new IllegalStateException("a product of two varying terms");
                Lin k = leftConstant ? l : r;
                Lin x = leftConstant ? r : l;
                yield new Lin(Math.multiplyExact(k.d, x.a), Math.multiplyExact(k.d, x.c), Math.multiplyExact(k.d, x.d));
            }
            default -> throw new IllegalStateException(op + " in an affine term");
        };
    }

    /** The term's values over the whole problem must be ints, or the interpreter would have wrapped. */
    private void checkRange(Lin v) {
        long aq = Math.multiplyExact(v.a, qMax), ckv = Math.multiplyExact(v.c, kvMax);
        long lo = Math.addExact(Math.addExact(v.d, Math.min(0, aq)), Math.min(0, ckv));
        long hi = Math.addExact(Math.addExact(v.d, Math.max(0, aq)), Math.max(0, ckv));
        if (lo < Integer.MIN_VALUE || hi > Integer.MAX_VALUE) throw new ArithmeticException("an affine term may leave the int range");
    }

    private boolean readsIndex(Expr e) {
        Boolean known = readsIndex.get(e);
        if (known != null) return known;
        boolean r = e instanceof Index i ? i.axis() == Axis.Q || i.axis() == Axis.KV
                : e.children().stream().anyMatch(this::readsIndex);
        readsIndex.put(e, r);
        return r;
    }
}
