package dev.attnc.compiler.ir;

import dev.attnc.compiler.diag.Span;
import dev.attnc.compiler.front.Ast;
import dev.attnc.compiler.front.Builtins;
import dev.attnc.compiler.front.Checked;
import dev.attnc.compiler.front.Limits;
import dev.attnc.compiler.front.NormalizeForm;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * AST → IR for one attention: inlines every call (a mask or score function is its body with the
 * arguments put in for the parameters), fills defaults and named arguments, expands {@code |>}
 * (score := the left side), and makes int→float promotions explicit. Runs only on checked programs,
 * so it does not report errors.
 */
public final class Lowering {
    /** What a name stands for while lowering a body. */
    private sealed interface Binding {}

    private record Value(Expr expr) implements Binding {}

    private record TensorRef(TensorParam tensor) implements Binding {}

    /**
     * Names of a body, and the current incoming score (null in masks). A block defines its lets
     * in {@code names} and takes them out again when it ends (no copy per let: copying made a
     * chain of n lets cost n² time).
     */
    private record Env(Map<String, Binding> names, Expr score) {
        static Env empty() {
            return new Env(new HashMap<>(), null);
        }
    }

    /**
     * An expression that expands, through lets and calls, deeper than {@link Limits#DEPTH} or to a
     * tree larger than {@link Limits#TREE_SIZE}: lowering stops before its own recursion or work,
     * or that of the passes after it, could overflow the stack or run for hours. The front end
     * reports it (limit.inlined-depth, limit.inlined-size).
     */
    public static final class BeyondLimits extends RuntimeException {
        private final boolean depth;

        BeyondLimits(boolean depth) {
            super(null, null, false, false);
            this.depth = depth;
        }

        /** True for the depth limit, false for the size limit. */
        public boolean depth() {
            return depth;
        }
    }

    /** How many {@link #lower} calls are open now. */
    private int nesting;
    /**
     * The extent of every node lowered so far. Each lowered node is measured as it is made, so that
     * a chain of lets stops at the limit (building a node asks its operands' types, which recurses
     * down the operands: an unbounded chain would cost n² time and then the stack), and so that
     * inlining, which lowers a definition's body again at each call, stops before its work grows
     * exponentially.
     */
    private final Map<Expr, ExprExtent> extents = new IdentityHashMap<>();

    private final Checked program;
    /** Where each Load came from, for bounds errors. Identity-keyed: equal loads may come from different places. */
    private final Map<Expr.Load, Span> loadSpans = new IdentityHashMap<>();

    private Lowering(Checked program) {
        this.program = program;
    }

    /** An attention in IR, and the source span of each tensor read in it. */
    public record Result(Attention attention, Map<Expr.Load, Span> loadSpans) {}

    public static Result lower(Checked program, String attention) {
        Lowering l = new Lowering(program);
        Ast.AttentionDef def = program.attentions().get(attention);
        if (def == null) throw new IllegalArgumentException("no attention " + attention);
        return new Result(l.attention(def), l.loadSpans);
    }

    private Attention attention(Ast.AttentionDef def) {
        List<ParamDecl> params = new ArrayList<>();
        Map<String, Binding> names = new HashMap<>();
        for (Ast.Param p : def.params()) {
            Type t = scalarType(p.type().scalar());
            if (p.type().isTensor()) {
                List<Expr> dims = p.type().dims().stream().map(d -> lower(d, Env.empty())).toList();
                TensorParam tensor = new TensorParam(p.name(), t, dims);
                params.add(new ParamDecl.Tensor(tensor));
                names.put(p.name(), new TensorRef(tensor));
            } else {
                Object dflt = p.defaultValue() == null ? null : constantValue(lower(p.defaultValue(), Env.empty()), t);
                params.add(new ParamDecl.Scalar(p.name(), t, dflt));
                names.put(p.name(), new Value(new Expr.Param(p.name(), t)));
            }
        }
        Expr score = def.score() == null ? new Expr.Score() : toFloat(lower(def.score().value(), new Env(names, new Expr.Score())));
        Expr mask = def.mask() == null ? new Expr.BoolConst(true) : lower(def.mask().value(), new Env(names, null));
        return new Attention(def.name(), params, score, mask, normalization(def.normalize(), names));
    }

    /** The normalize clause (softmax when there is none); a sigmoid without a bias has bias 0. */
    private Normalization normalization(Ast.Clause clause, Map<String, Binding> names) {
        if (clause == null) return Normalization.SOFTMAX;
        NormalizeForm form = NormalizeForm.read(clause.value(), null);
        Expr argument = form.argument() == null ? null : toFloat(lower(form.argument(), new Env(names, null)));
        return switch (form.kind()) {
            case SOFTMAX -> argument == null ? Normalization.SOFTMAX : new Normalization.SoftmaxSink(argument);
            case SIGMOID -> new Normalization.Sigmoid(argument == null ? new Expr.FloatConst(0.0) : argument);
        };
    }

    /** A default written as a constant expression, as the Integer, Double or Boolean the runtime fills in. */
    private static Object constantValue(Expr e, Type declared) {
        Expr folded = dev.attnc.compiler.passes.Fold.fold(declared == Type.FLOAT ? toFloat(e) : e);
        return switch (folded) {
            case Expr.IntConst c -> c.value();
            case Expr.FloatConst c -> c.value();
            case Expr.BoolConst c -> c.value();
            default -> throw new IllegalStateException("default did not fold to a constant: " + folded);
        };
    }

    static Type scalarType(Ast.Scalar s) {
        return switch (s) {
            case INT -> Type.INT;
            case FLOAT -> Type.FLOAT;
            case BOOL -> Type.BOOL;
        };
    }

    static Expr toFloat(Expr e) {
        return e.type() == Type.INT ? new Expr.Unary(UnaryOp.TO_FLOAT, e) : e;
    }

    private Expr lower(Ast.Expr e, Env env) {
        if (++nesting > Limits.DEPTH) throw new BeyondLimits(true);
        try {
            Expr lowered = lowerNode(e, env);
            ExprExtent extent = ExprExtent.of(lowered, extents);
            if (extent.depth() > Limits.DEPTH || extent.treeSize() > Limits.TREE_SIZE) throw new BeyondLimits(extent.depth() > Limits.DEPTH);
            return lowered;
        } finally {
            nesting--;
        }
    }

    private Expr lowerNode(Ast.Expr e, Env env) {
        return switch (e) {
            case Ast.IntLit i -> new Expr.IntConst((int) i.value());
            case Ast.FloatLit f -> new Expr.FloatConst(f.value());
            case Ast.BoolLit b -> new Expr.BoolConst(b.value());
            case Ast.ScoreRef s -> env.score();
            case Ast.Call c -> call(c, env, null);
            case Ast.Index i -> index(i, env);
            case Ast.Unary u -> new Expr.Unary(u.op() == Ast.UnaryOp.NEG ? UnaryOp.NEG : UnaryOp.NOT, lower(u.operand(), env));
            case Ast.Binary b -> binary(b.op(), lower(b.left(), env), lower(b.right(), env));
            case Ast.Pipe p -> call(p.function(), env, toFloat(lower(p.input(), env)));
            case Ast.Ternary t -> {
                Expr[] branches = promote(lower(t.then(), env), lower(t.otherwise(), env));
                yield new Expr.Select(lower(t.condition(), env), branches[0], branches[1]);
            }
            case Ast.Block b -> {
                Map<String, Binding> hidden = new HashMap<>();
                for (Ast.Let let : b.lets()) {
                    Binding before = env.names().put(let.name(), new Value(lower(let.value(), env)));
                    if (!hidden.containsKey(let.name())) hidden.put(let.name(), before);
                }
                Expr result = lower(b.result(), env);
                hidden.forEach((name, before) -> {
                    if (before == null) env.names().remove(name);
                    else env.names().put(name, before);
                });
                yield result;
            }
        };
    }

    /** A name or a call; {@code piped} is the left side of |> when this call is its right side. */
    private Expr call(Ast.Call c, Env env, Expr piped) {
        String name = c.name();
        Binding local = env.names().get(name);
        if (local instanceof Value v && piped == null) return v.expr();
        if (piped == null && !c.parens()) {
            if (Builtins.axis(name) != null) return new Expr.Index(Builtins.axis(name));
            if (Builtins.size(name) != null) return new Expr.Size(Builtins.size(name));
            Object constant = program.constValues().get(name);
            if (constant != null) return literal(constant);
        }
        Ast.FunctionDef f = program.functions().get(name);
        if (f != null) return inline(f, c, env, piped);
        return builtin(Builtins.function(name), c.args().stream().map(a -> lower(a.value(), env)).toList());
    }

    private static Expr literal(Object v) {
        return switch (v) {
            case Integer i -> new Expr.IntConst(i);
            case Double d -> new Expr.FloatConst(d);
            case Boolean b -> new Expr.BoolConst(b);
            default -> throw new IllegalStateException("const of type " + v.getClass());
        };
    }

    private Expr inline(Ast.FunctionDef f, Ast.Call c, Env caller, Expr piped) {
        Map<String, Ast.Expr> given = new HashMap<>();
        int position = 0;
        for (Ast.Arg a : c.args()) given.put(a.named() ? a.name() : f.params().get(position++).name(), a.value());
        Map<String, Binding> names = new HashMap<>();
        for (Ast.Param p : f.params()) {
            Ast.Expr arg = given.get(p.name());
            if (p.type().isTensor()) {
                names.put(p.name(), caller.names().get(((Ast.Call) arg).name()));
                continue;
            }
            Expr value = arg != null ? lower(arg, caller) : lower(p.defaultValue(), Env.empty());
            names.put(p.name(), new Value(scalarType(p.type().scalar()) == Type.FLOAT ? toFloat(value) : value));
        }
        boolean isScore = f.kind() == Ast.FunctionKind.SCORE;
        Expr score = isScore ? (piped != null ? piped : caller.score()) : null;
        Expr body = lower(f.body(), new Env(names, score));
        return isScore ? toFloat(body) : body;
    }

    private Expr index(Ast.Index i, Env env) {
        TensorParam tensor = ((TensorRef) env.names().get(((Ast.Call) i.target()).name())).tensor();
        Expr.Load load = new Expr.Load(tensor, i.indices().stream().map(x -> lower(x, env)).toList(), true);
        loadSpans.put(load, i.span());
        return load;
    }

    private static Expr[] promote(Expr a, Expr b) {
        if (a.type() == Type.FLOAT || b.type() == Type.FLOAT) return new Expr[] {toFloat(a), toFloat(b)};
        return new Expr[] {a, b};
    }

    static Expr binary(Ast.BinaryOp op, Expr l, Expr r) {
        Expr[] p = promote(l, r);
        boolean ints = p[0].type() == Type.INT;
        BinaryOp ir = switch (op) {
            case ADD -> BinaryOp.ADD;
            case SUB -> BinaryOp.SUB;
            case MUL -> BinaryOp.MUL;
            case DIV -> ints ? BinaryOp.FLOOR_DIV : BinaryOp.DIV;
            case MOD -> BinaryOp.FLOOR_MOD;
            case LT -> BinaryOp.LT;
            case LE -> BinaryOp.LE;
            case GT -> BinaryOp.GT;
            case GE -> BinaryOp.GE;
            case EQ -> BinaryOp.EQ;
            case NE -> BinaryOp.NE;
            case AND -> BinaryOp.AND;
            case OR -> BinaryOp.OR;
        };
        return new Expr.Binary(ir, p[0], p[1]);
    }

    private static Expr builtin(Builtins.Function f, List<Expr> args) {
        return switch (f) {
            case MIN, MAX -> {
                Expr[] p = promote(args.get(0), args.get(1));
                yield new Expr.Binary(f == Builtins.Function.MIN ? BinaryOp.MIN : BinaryOp.MAX, p[0], p[1]);
            }
            case CLAMP -> {
                boolean anyFloat = args.stream().anyMatch(a -> a.type() == Type.FLOAT);
                List<Expr> a = anyFloat ? args.stream().map(Lowering::toFloat).toList() : args;
                yield new Expr.Binary(BinaryOp.MIN, new Expr.Binary(BinaryOp.MAX, a.get(0), a.get(1)), a.get(2));
            }
            case ABS -> new Expr.Unary(UnaryOp.ABS, args.getFirst());
            case FLOAT -> toFloat(args.getFirst());
            case INT -> args.getFirst().type() == Type.INT ? args.getFirst() : new Expr.Unary(UnaryOp.TO_INT, args.getFirst());
            default -> new Expr.Unary(f.unary, toFloat(args.getFirst()));
        };
    }
}
