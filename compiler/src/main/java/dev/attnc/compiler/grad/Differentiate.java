package dev.attnc.compiler.grad;

import dev.attnc.compiler.grad.Gradient.ScalarGrad;
import dev.attnc.compiler.grad.Gradient.TensorGrad;
import dev.attnc.compiler.ir.Attention;
import dev.attnc.compiler.ir.BinaryOp;
import dev.attnc.compiler.ir.Expr;
import dev.attnc.compiler.ir.Expr.*;
import dev.attnc.compiler.ir.ParamDecl;
import dev.attnc.compiler.ir.Type;
import dev.attnc.compiler.ir.UnaryOp;
import dev.attnc.compiler.passes.Cse;
import dev.attnc.compiler.passes.Fold;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The differentiation pass: symbolic reverse mode over the score's expression DAG. The score's
 * root gets the adjoint 1; walking the float nodes parents-first, each passes its adjoint to its
 * float operands by the chain rule, as IR; the adjoints that reach {@code score}, a float scalar
 * parameter or a float tensor read are the derivatives. The results are folded and interned with
 * the forward's nodes ({@link Fold}, {@link Cse}), so they read what the forward already computes
 * (tanh's derivative reads the tanh node).
 * <p>
 * Where a function is not differentiable, what PyTorch's autograd does: a {@code ?:} passes its
 * adjoint to the branch it takes and nothing to its condition; {@code floor}, {@code ceil},
 * {@code int} (int results) pass nothing; {@code abs} at 0 passes 0; {@code min}/{@code max} (and
 * so {@code clamp}, lowered to them) pass it to the operand they return, the first on a tie.
 */
public final class Differentiate {
    private static final Expr ZERO = new FloatConst(0.0);
    private static final Expr ONE = new FloatConst(1.0);

    /** Adjoints so far, by node (equal subtrees are one node). */
    private final Map<Expr, Expr> adjoints = new HashMap<>();

    private Differentiate() {}

    public static Gradient run(Attention a) {
        Differentiate d = new Differentiate();
        List<Expr> order = new ArrayList<>();
        postOrder(a.score(), new HashSet<>(), order);
        d.adjoints.put(a.score(), ONE);
        for (int i = order.size() - 1; i >= 0; i--) {
            Expr node = order.get(i);
            Expr adjoint = d.adjoints.get(node);
            if (adjoint != null) d.propagate(node, adjoint);
        }
        return d.collect(a);
    }

    /** The float nodes under {@code e}, children before parents (each once). */
    private static void postOrder(Expr e, Set<Expr> seen, List<Expr> out) {
        if (e.type() != Type.FLOAT || !seen.add(e)) return;
        for (Expr c : e.children()) postOrder(c, seen, out);
        out.add(e);
    }

    private void add(Expr node, Expr contribution) {
        if (node.type() != Type.FLOAT) return;
        adjoints.merge(node, contribution, (x, y) -> new Binary(BinaryOp.ADD, x, y));
    }

    /** Passes the adjoint {@code a} of {@code node} to its float operands. */
    private void propagate(Expr node, Expr a) {
        switch (node) {
            case Unary u -> unary(u, a);
            case Binary b -> binary(b, a);
            case Select s -> {
                add(s.then(), select(s.condition(), a, ZERO));
                add(s.otherwise(), select(s.condition(), ZERO, a));
            }
            // leaves: the adjoint stays where it is and is collected
            case Score s -> {}
            case Param p -> {}
            case Load l -> {}
            case FloatConst c -> {}
            case IntConst c -> {}
            case BoolConst c -> {}
            case Index i -> {}
            case Size s -> {}
        }
    }

    private void unary(Unary u, Expr a) {
        Expr x = u.operand();
        switch (u.op()) {
            case NEG -> add(x, neg(a));
            case EXP -> add(x, mul(a, u));
            case EXP2 -> add(x, mul(a, mul(u, new FloatConst(Math.log(2)))));
            case LOG -> add(x, div(a, x));
            case LOG2 -> add(x, div(a, mul(x, new FloatConst(Math.log(2)))));
            case SQRT -> add(x, div(mul(a, new FloatConst(0.5)), u));
            // d(x^-1/2) = -1/2 · x^-1/2 / x
            case RSQRT -> add(x, neg(div(mul(a, mul(new FloatConst(0.5), u)), x)));
            case TANH -> add(x, mul(a, sub(ONE, mul(u, u))));
            case SIGMOID -> add(x, mul(a, mul(u, sub(ONE, u))));
            case ABS -> add(x, select(compare(BinaryOp.GT, x, ZERO), a, select(compare(BinaryOp.LT, x, ZERO), neg(a), ZERO)));
            // int → float, float → int, and bool: no gradient passes
            case TO_FLOAT, TO_INT, FLOOR, CEIL, NOT -> {}
        }
    }

    private void binary(Binary b, Expr a) {
        Expr l = b.left();
        Expr r = b.right();
        switch (b.op()) {
            case ADD -> {
                add(l, a);
                add(r, a);
            }
            case SUB -> {
                add(l, a);
                add(r, neg(a));
            }
            case MUL -> {
                add(l, mul(a, r));
                add(r, mul(a, l));
            }
            case DIV -> {
                add(l, div(a, r));
                // d(l/r)/dr = -(l/r)/r
                add(r, neg(div(mul(a, b), r)));
            }
            // x % y = x - floor(x / y) · y
            case FLOOR_MOD -> {
                add(l, a);
                add(r, neg(mul(a, new Unary(UnaryOp.TO_FLOAT, new Unary(UnaryOp.FLOOR, div(l, r))))));
            }
            case MIN -> {
                Expr first = compare(BinaryOp.LE, l, r);
                add(l, select(first, a, ZERO));
                add(r, select(first, ZERO, a));
            }
            case MAX -> {
                Expr first = compare(BinaryOp.GE, l, r);
                add(l, select(first, a, ZERO));
                add(r, select(first, ZERO, a));
            }
            // int arithmetic, comparisons and logic: no gradient passes
            case FLOOR_DIV, TRUNC_DIV, TRUNC_MOD, LT, LE, GT, GE, EQ, NE, AND, OR -> {}
        }
    }

    /** Every node under {@code e} of any type, children before parents (each once). */
    private static List<Expr> reads(Expr e, Set<Expr> seen, List<Expr> out) {
        if (!seen.add(e)) return out;
        for (Expr c : e.children()) reads(c, seen, out);
        out.add(e);
        return out;
    }

    private Gradient collect(Attention a) {
        // every float parameter the score reads gets a gradient, zero where it is read only through
        // floor, ceil, int or a condition (LANGUAGE.md: "for every float parameter that the score reads")
        Map<String, Expr> scalarAdjoints = new LinkedHashMap<>();
        List<Load> loads = new ArrayList<>();
        for (Expr e : reads(a.score(), new HashSet<>(), new ArrayList<>())) {
            if (e instanceof Param p && p.type() == Type.FLOAT) scalarAdjoints.put(p.name(), adjoints.getOrDefault(p, ZERO));
            if (e instanceof Load l && l.type() == Type.FLOAT) loads.add(l);
        }
        // one canonical node per value, shared with the forward's score and mask
        Map<Expr, Expr> canonical = new HashMap<>();
        Cse.intern(a.score(), canonical);
        Cse.intern(a.mask(), canonical);
        Expr dScore = simplify(adjoints.getOrDefault(new Score(), ZERO), canonical);
        List<ScalarGrad> scalars = new ArrayList<>();
        for (ParamDecl p : a.params()) {
            Expr d = scalarAdjoints.get(p.name());
            if (d != null) scalars.add(new ScalarGrad(p.name(), simplify(d, canonical)));
        }
        List<TensorGrad> tensors = new ArrayList<>();
        for (Load l : loads) tensors.add(new TensorGrad((Load) Cse.intern(l, canonical), simplify(adjoints.getOrDefault(l, ZERO), canonical)));
        return new Gradient(a, dScore, scalars, tensors);
    }

    private static Expr simplify(Expr e, Map<Expr, Expr> canonical) {
        return Cse.intern(Fold.fold(e), canonical);
    }

    private static Expr neg(Expr x) {
        return new Unary(UnaryOp.NEG, x);
    }

    private static Expr mul(Expr x, Expr y) {
        return new Binary(BinaryOp.MUL, x, y);
    }

    private static Expr div(Expr x, Expr y) {
        return new Binary(BinaryOp.DIV, x, y);
    }

    private static Expr sub(Expr x, Expr y) {
        return new Binary(BinaryOp.SUB, x, y);
    }

    private static Expr compare(BinaryOp op, Expr x, Expr y) {
        return new Binary(op, x, y);
    }

    private static Expr select(Expr c, Expr then, Expr otherwise) {
        return new Select(c, then, otherwise);
    }
}
