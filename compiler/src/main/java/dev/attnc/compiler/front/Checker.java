package dev.attnc.compiler.front;

import dev.attnc.compiler.diag.Diagnostics;
import dev.attnc.compiler.diag.Span;
import dev.attnc.compiler.diag.Suggestions;
import dev.attnc.compiler.front.Ast.*;
import dev.attnc.compiler.ir.Axis;
import dev.attnc.compiler.ir.Poly;
import dev.attnc.compiler.ir.Type;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;

/**
 * Names and types: resolves every name, types every expression, checks every call against its
 * definition, and reports each mistake it finds (it keeps going after one, so a file's errors come
 * out together). A sub-expression that already failed has type null, which silences the errors it
 * would otherwise cause further up.
 */
public final class Checker {
    private final Diagnostics diagnostics;
    private final Map<String, Definition> globals = new LinkedHashMap<>();
    private final Map<String, Object> constValues = new HashMap<>();
    private final Map<String, Type> constTypes = new HashMap<>();
    private final Set<String> constsWithErrors = new HashSet<>();
    private final CallGraph calls = new CallGraph();
    /**
     * "Did you mean" compares a name with every visible name; for a file full of unknown names
     * that is n² work, so only the first SUGGESTION_BUDGET unknown names get a suggestion.
     */
    private static final int SUGGESTION_BUDGET = 20;
    private int suggestionsLeft = SUGGESTION_BUDGET;
    private ConstEval constEval;

    /**
     * Where a name is being checked: the definition it belongs to, whether {@code score} exists
     * there, and whether it is a normalize clause's argument (fixed per row: no score, no kv).
     */
    private record Ctx(String owner, boolean hasScore, Scope scope, boolean perRow) {
        Ctx(String owner, boolean hasScore, Scope scope) {
            this(owner, hasScore, scope, false);
        }

        Ctx nested() {
            return new Ctx(owner, hasScore, new Scope(scope), perRow);
        }
    }

    public Checker(Diagnostics diagnostics) {
        this.diagnostics = diagnostics;
    }

    /** The checked program, or null if it has errors (all of them reported). */
    public Checked check(Program program) {
        collect(program);
        constEval = new ConstEval(constValues);
        checkConsts(program);
        Map<String, FunctionDef> functions = new LinkedHashMap<>();
        Map<String, AttentionDef> attentions = new LinkedHashMap<>();
        for (Definition d : program.definitions()) {
            switch (d) {
                case FunctionDef f -> {
                    checkFunction(f);
                    functions.putIfAbsent(f.name(), f);
                }
                case AttentionDef a -> {
                    checkAttention(a);
                    attentions.putIfAbsent(a.name(), a);
                }
                case ConstDef c -> { }
            }
        }
        calls.reportCycles(diagnostics);
        return diagnostics.hasErrors() ? null : new Checked(program, Map.copyOf(constValues), functions, attentions);
    }

    private void collect(Program program) {
        for (Definition d : program.definitions()) {
            if (Builtins.isReserved(d.name())) {
                diagnostics.error("name.reserved", d.nameSpan(), d.name());
            } else if (globals.containsKey(d.name())) {
                diagnostics.error("name.duplicate-definition", d.nameSpan(), d.name(), globals.get(d.name()).nameSpan().line());
            } else {
                globals.put(d.name(), d);
            }
        }
    }

    // ---- consts ----

    private void checkConsts(Program program) {
        List<ConstDef> consts = ConstOrder.of(program.definitions().stream()
                .filter(d -> d instanceof ConstDef c && globals.get(c.name()) == c).map(d -> (ConstDef) d).toList());
        for (ConstDef c : consts) constType(c);
        // In dependency order, one pass gives every const whose value can be computed.
        for (ConstDef c : consts) {
            if (constTypes.get(c.name()) != null) {
                Object v = constEval.eval(c.value());
                if (v != null) constValues.put(c.name(), v);
            }
        }
        for (ConstDef c : consts) {
            if (!constValues.containsKey(c.name()) && constTypes.get(c.name()) != null && !calls.inCycle(c.name())
                    && !constsWithErrors.contains(c.name())) {
                diagnostics.error("type.const-not-constant", c.nameSpan(), c.name());
            }
        }
    }

    /** A const's type, checking it first if need be (consts may be used before they are defined). */
    private Type constType(ConstDef c) {
        if (!constTypes.containsKey(c.name())) {
            constTypes.put(c.name(), null); // in progress: a cycle sees null and stays quiet
            int before = diagnostics.count();
            constTypes.put(c.name(), check(c.value(), new Ctx(c.name(), false, new Scope(null))));
            // Already told what is wrong (1 / 0): "not a compile-time constant" would only repeat it.
            if (diagnostics.count() > before) constsWithErrors.add(c.name());
        }
        return constTypes.get(c.name());
    }

    // ---- definitions ----

    private void checkFunction(FunctionDef f) {
        Ctx ctx = new Ctx(f.name(), f.kind() == FunctionKind.SCORE, new Scope(null));
        declareParams(f.params(), ctx.scope());
        Type t = check(f.body(), ctx);
        expectResult(f.kind() == FunctionKind.MASK, t, f.body().span());
    }

    private void checkAttention(AttentionDef a) {
        Scope params = new Scope(null);
        declareParams(a.params(), params);
        if (a.score() != null) expectResult(false, check(a.score().value(), new Ctx(a.name(), true, new Scope(params))), a.score().value().span());
        if (a.mask() != null) expectResult(true, check(a.mask().value(), new Ctx(a.name(), false, new Scope(params))), a.mask().value().span());
        if (a.normalize() != null) checkNormalize(a, params);
    }

    /** The normalize clause: one of its forms, with a number E that reads neither the score nor kv. */
    private void checkNormalize(AttentionDef a, Scope params) {
        NormalizeForm form = NormalizeForm.read(a.normalize().value(), diagnostics);
        if (form == null || form.argument() == null) return;
        Type t = check(form.argument(), new Ctx(a.name(), false, new Scope(params), true));
        if (t != null && !t.isNumeric()) diagnostics.error("norm.not-float", form.argument().span(), form.kind().argumentName, t.word);
    }

    private void expectResult(boolean mask, Type t, Span span) {
        if (t == null) return;
        if (mask && t != Type.BOOL) diagnostics.error("type.mask-not-bool", span, t.word);
        if (!mask && !t.isNumeric()) diagnostics.error("type.score-not-float", span, t.word);
    }

    private void declareParams(List<Param> params, Scope scope) {
        for (Param p : params) {
            Type elem = scalarType(p.type().scalar());
            if (Builtins.isReserved(p.name())) {
                diagnostics.error("name.reserved", p.span(), p.name());
                continue;
            }
            if (scope.own(p.name()) != null) {
                diagnostics.error("name.duplicate-parameter", p.span(), p.name());
                continue;
            }
            if (p.type().isTensor()) {
                List<Poly> dims = new ArrayList<>();
                for (Expr dim : p.type().dims()) dims.add(checkDimension(dim));
                if (p.defaultValue() != null) diagnostics.error("type.tensor-default", p.span(), p.name());
                scope.define(p.name(), new Scope.TensorParam(p, elem, dims));
            } else {
                if (p.defaultValue() != null) checkDefault(p, elem);
                scope.define(p.name(), new Scope.ScalarParam(p, elem));
            }
        }
    }

    /** A tensor dimension's polynomial, or null when it is not a valid size (reported). */
    private Poly checkDimension(Expr dim) {
        Poly poly;
        try {
            poly = ShapePoly.of(dim, constValues);
        } catch (ArithmeticException overflow) {
            diagnostics.error("type.shape-dimension-range", dim.span(), "past the 64-bit range");
            return null;
        }
        if (poly == null) {
            diagnostics.error("type.shape-dimension", dim.span());
            return null;
        }
        String problem = ShapePoly.outOfRange(poly);
        if (problem == null) return poly;
        diagnostics.error("type.shape-dimension-range", dim.span(), problem);
        return null;
    }

    private void checkDefault(Param p, Type declared) {
        Type t = check(p.defaultValue(), new Ctx("", false, new Scope(null)));
        if (t == null) return;
        if (constEval.eval(p.defaultValue()) == null) {
            diagnostics.error("type.default-not-constant", p.defaultValue().span(), p.name());
        } else if (!assignable(t, declared)) {
            diagnostics.error("type.default-mismatch", p.defaultValue().span(), p.name(), declared.word, t.word);
        }
    }

    static Type scalarType(Scalar s) {
        return switch (s) {
            case INT -> Type.INT;
            case FLOAT -> Type.FLOAT;
            case BOOL -> Type.BOOL;
        };
    }

    /** An int may be passed where a float is expected (promotion); nothing else converts. */
    static boolean assignable(Type from, Type to) {
        return from == to || from == Type.INT && to == Type.FLOAT;
    }

    // ---- expressions ----

    private Type check(Expr e, Ctx ctx) {
        return switch (e) {
            case IntLit i -> Type.INT;
            case FloatLit f -> Type.FLOAT;
            case BoolLit b -> Type.BOOL;
            case ScoreRef s -> {
                if (ctx.hasScore()) yield Type.FLOAT;
                diagnostics.error(ctx.perRow() ? "norm.reads-score" : "name.score-outside-score", s.span());
                yield null;
            }
            case Call c -> c.parens() ? checkCall(c, ctx, false) : checkName(c, ctx);
            case Index i -> checkIndex(i, ctx);
            case Unary u -> checkUnary(u, ctx);
            case Binary b -> checkBinary(b, ctx);
            case Pipe p -> checkPipe(p, ctx);
            case Ternary t -> checkTernary(t, ctx);
            case Block b -> checkBlock(b, ctx);
        };
    }

    /** A bare name: a value, or a definition called with no arguments. */
    private Type checkName(Call c, Ctx ctx) {
        String name = c.name();
        Scope.Local local = ctx.scope().lookup(name);
        if (local != null) {
            return switch (local) {
                case Scope.LetValue v -> v.type();
                case Scope.ScalarParam p -> p.type();
                case Scope.TensorParam t -> {
                    diagnostics.error("type.tensor-as-value", c.nameSpan(), name);
                    yield null;
                }
            };
        }
        if (ctx.perRow() && Builtins.axis(name) == Axis.KV) {
            diagnostics.error("norm.reads-kv", c.nameSpan());
            return null;
        }
        if (Builtins.axis(name) != null || Builtins.size(name) != null) return Type.INT;
        Definition d = globals.get(name);
        if (d instanceof ConstDef constDef) {
            calls.add(ctx.owner(), name, c.nameSpan());
            return constType(constDef);
        }
        if (d != null || Builtins.function(name) != null) return checkCall(c, ctx, false);
        diagnostics.error("name.unknown", c.nameSpan(), name, didYouMean(name, () -> visibleValues(ctx)));
        return null;
    }

    private String didYouMean(String name, Supplier<Set<String>> candidates) {
        if (suggestionsLeft <= 0) return "";
        suggestionsLeft--;
        return Suggestions.didYouMean(name, candidates.get());
    }

    private Set<String> visibleValues(Ctx ctx) {
        Set<String> names = new TreeSet<>(ctx.scope().visibleNames());
        names.addAll(Builtins.valueNames());
        names.addAll(globals.keySet());
        return names;
    }

    /** A call with parentheses (or a bare definition name); {@code piped} when it is the right side of |>. */
    private Type checkCall(Call c, Ctx ctx, boolean piped) {
        String name = c.name();
        Scope.Local local = ctx.scope().lookup(name);
        String notCallable = local != null ? local.kindWord()
                : Builtins.axis(name) != null ? "built-in index"
                : Builtins.size(name) != null ? "size"
                : globals.get(name) instanceof ConstDef ? "const" : null;
        if (notCallable != null) {
            diagnostics.error(piped ? "call.pipe-target" : "call.not-callable", c.nameSpan(), name, notCallable);
            c.args().forEach(a -> check(a.value(), ctx));
            return null;
        }
        Definition d = globals.get(name);
        if (d instanceof FunctionDef f) return checkDefinitionCall(f, c, ctx, piped);
        if (d instanceof AttentionDef) {
            diagnostics.error("name.attention-in-expression", c.nameSpan(), name);
            return null;
        }
        Builtins.Function builtin = Builtins.function(name);
        if (builtin != null && !piped) return checkBuiltin(builtin, c, ctx);
        if (builtin != null) {
            diagnostics.error("call.pipe-target", c.nameSpan(), name, "built-in function");
            return null;
        }
        diagnostics.error("name.unknown", c.nameSpan(), name, didYouMean(name, () -> {
            Set<String> callables = new TreeSet<>(globals.keySet());
            callables.addAll(Builtins.functionNames());
            return callables;
        }));
        c.args().forEach(a -> check(a.value(), ctx));
        return null;
    }

    private Type checkBuiltin(Builtins.Function f, Call c, Ctx ctx) {
        List<Type> types = new ArrayList<>();
        for (Arg a : c.args()) types.add(check(a.value(), ctx));
        if (c.args().stream().anyMatch(Arg::named)) {
            diagnostics.error("call.builtin-named", c.nameSpan(), f.word());
            return null;
        }
        if (c.args().size() != f.arity) {
            diagnostics.error("call.builtin-arity", c.nameSpan(), f.word(), f.arity, c.args().size());
            return null;
        }
        boolean allInts = true;
        for (int i = 0; i < types.size(); i++) {
            Type t = types.get(i);
            if (t == null) return null;
            if (!t.isNumeric()) {
                diagnostics.error("type.function-argument", c.args().get(i).value().span(), f.word(), "a number", i + 1, t.word);
                return null;
            }
            allInts &= t == Type.INT;
        }
        return switch (f) {
            case FLOOR, CEIL, INT -> Type.INT;
            case ABS, MIN, MAX, CLAMP -> allInts ? Type.INT : Type.FLOAT;
            default -> Type.FLOAT;
        };
    }

    private Type checkDefinitionCall(FunctionDef f, Call c, Ctx ctx, boolean piped) {
        calls.add(ctx.owner(), f.name(), c.nameSpan());
        if (f.kind() == FunctionKind.MASK && piped) {
            diagnostics.error("call.pipe-target", c.nameSpan(), f.name(), "mask");
            c.args().forEach(a -> check(a.value(), ctx));
            return null;
        }
        if (f.kind() == FunctionKind.SCORE && !piped && !ctx.hasScore()) {
            diagnostics.error(ctx.perRow() ? "norm.reads-score" : "call.score-in-mask", c.nameSpan(), f.name());
        }
        Map<Param, Arg> bound = bindArguments(f, c, ctx);
        for (Map.Entry<Param, Arg> entry : bound.entrySet()) checkArgument(f, entry.getKey(), entry.getValue(), ctx);
        return f.kind() == FunctionKind.MASK ? Type.BOOL : Type.FLOAT;
    }

    /** Matches arguments to parameters by position, then by name; reports what does not fit. */
    private Map<Param, Arg> bindArguments(FunctionDef f, Call c, Ctx ctx) {
        Map<Param, Arg> bound = new LinkedHashMap<>();
        boolean sawNamed = false;
        int position = 0;
        boolean ok = true;
        for (Arg a : c.args()) {
            if (!a.named()) {
                if (sawNamed) {
                    diagnostics.error("call.positional-after-named", a.value().span());
                    ok = false;
                } else if (position >= f.params().size()) {
                    diagnostics.error("call.too-many-arguments", a.value().span(), f.name(), f.params().size(), c.args().size());
                    ok = false;
                    break;
                } else {
                    bound.put(f.params().get(position++), a);
                }
                continue;
            }
            sawNamed = true;
            Param p = f.params().stream().filter(x -> x.name().equals(a.name())).findFirst().orElse(null);
            if (p == null) {
                List<String> names = f.params().stream().map(Param::name).toList();
                diagnostics.error("call.unknown-argument", a.nameSpan(), f.name(), a.name(), Suggestions.didYouMean(a.name(), names));
                ok = false;
            } else if (bound.containsKey(p)) {
                diagnostics.error("call.duplicate-argument", a.nameSpan(), p.name(), f.name());
                ok = false;
            } else {
                bound.put(p, a);
            }
        }
        if (ok) {
            for (Param p : f.params()) {
                if (!bound.containsKey(p) && p.defaultValue() == null) {
                    diagnostics.error("call.missing-argument", c.nameSpan(), f.name(), p.name());
                }
            }
        }
        for (Arg a : c.args()) if (!bound.containsValue(a)) check(a.value(), ctx);
        return bound;
    }

    private void checkArgument(FunctionDef f, Param p, Arg a, Ctx ctx) {
        Type declared = scalarType(p.type().scalar());
        if (!p.type().isTensor()) {
            Type t = check(a.value(), ctx);
            if (t != null && !assignable(t, declared)) {
                diagnostics.error("type.argument-mismatch", a.value().span(), p.name(), f.name(), declared.word, t.word);
            }
            return;
        }
        if (!(a.value() instanceof Call c) || c.parens() || !(ctx.scope().lookup(c.name()) instanceof Scope.TensorParam given)) {
            if (a.value() instanceof Call c && !c.parens() && ctx.scope().lookup(c.name()) == null && globals.get(c.name()) == null
                    && Builtins.axis(c.name()) == null && Builtins.size(c.name()) == null) {
                diagnostics.error("name.unknown", c.nameSpan(), c.name(), didYouMean(c.name(), () -> visibleValues(ctx)));
            } else {
                diagnostics.error("call.tensor-argument", a.value().span(), p.name(), f.name());
            }
            return;
        }
        List<Poly> wanted = new ArrayList<>();
        try {
            for (Expr d : p.type().dims()) wanted.add(ShapePoly.of(d, constValues));
        } catch (ArithmeticException overflow) {
            return; // reported where the parameter is declared
        }
        if (wanted.contains(null) || given.dims().contains(null)) return;
        if (given.elementType() != declared || !given.dims().equals(wanted)) {
            String wantedShape = new Scope.TensorParam(p, declared, wanted).shape();
            diagnostics.error("call.tensor-shape", a.value().span(), c.name(), given.shape(), p.name(), f.name(), wantedShape);
        }
    }

    private Type checkIndex(Index i, Ctx ctx) {
        List<Type> indexTypes = i.indices().stream().map(x -> check(x, ctx)).toList();
        if (!(i.target() instanceof Call c) || c.parens()) {
            Type t = check(i.target(), ctx);
            if (t != null) diagnostics.error("type.not-a-tensor", i.target().span(), "this " + t.word + " value");
            return null;
        }
        Scope.Local local = ctx.scope().lookup(c.name());
        if (!(local instanceof Scope.TensorParam tensor)) {
            Type t = checkName(c, ctx);
            if (t != null) diagnostics.error("type.not-a-tensor", c.nameSpan(), c.name());
            return null;
        }
        if (tensor.dims().size() != i.indices().size()) {
            diagnostics.error("index.count", i.span(), c.name(), tensor.dims().size(), i.indices().size());
            return null;
        }
        for (int k = 0; k < indexTypes.size(); k++) {
            Type t = indexTypes.get(k);
            if (t != null && t != Type.INT) diagnostics.error("type.index-not-int", i.indices().get(k).span(), t.word);
        }
        return tensor.elementType();
    }

    private Type checkUnary(Unary u, Ctx ctx) {
        Type t = check(u.operand(), ctx);
        if (t == null) return null;
        if (u.op() == UnaryOp.NEG) {
            if (t.isNumeric()) return t;
            diagnostics.error("type.bool-arithmetic", u.opSpan(), "-", t.word);
            return null;
        }
        if (t == Type.BOOL) return t;
        diagnostics.error("type.logic-needs-bool", u.opSpan(), "!", t.word);
        return null;
    }

    private Type checkBinary(Binary b, Ctx ctx) {
        Type l = check(b.left(), ctx);
        Type r = check(b.right(), ctx);
        if ((b.op() == BinaryOp.DIV || b.op() == BinaryOp.MOD) && constEval.eval(b.right()) instanceof Number n && n.doubleValue() == 0) {
            diagnostics.error("arith.division-by-zero", b.opSpan());
        }
        if (l == null || r == null) return null;
        BinaryOp op = b.op();
        if (op.isArithmetic()) {
            if (l.isNumeric() && r.isNumeric()) return l == Type.INT && r == Type.INT ? Type.INT : Type.FLOAT;
            diagnostics.error("type.bool-arithmetic", b.opSpan(), op.symbol, describe(l, r));
            return null;
        }
        if (op.isLogic()) {
            if (l == Type.BOOL && r == Type.BOOL) return Type.BOOL;
            diagnostics.error("type.logic-needs-bool", b.opSpan(), op.symbol, describe(l, r));
            return null;
        }
        boolean numbers = l.isNumeric() && r.isNumeric();
        boolean bools = l == Type.BOOL && r == Type.BOOL;
        if (numbers || bools && !op.isOrdering()) return Type.BOOL;
        diagnostics.error("type.compare-mismatch", b.opSpan(), l.word, r.word);
        return null;
    }

    private static String describe(Type l, Type r) {
        return l == r ? "two " + l.word + " values" : l.word + " and " + r.word;
    }

    private Type checkPipe(Pipe p, Ctx ctx) {
        Type in = check(p.input(), ctx);
        if (in != null && !in.isNumeric()) diagnostics.error("type.score-not-float", p.input().span(), in.word);
        Definition d = globals.get(p.function().name());
        if (d instanceof FunctionDef f && f.kind() == FunctionKind.SCORE && ctx.scope().lookup(f.name()) == null) {
            return checkDefinitionCall(f, p.function(), ctx, true);
        }
        return checkCall(p.function(), ctx, true);
    }

    private Type checkTernary(Ternary t, Ctx ctx) {
        Type c = check(t.condition(), ctx);
        Type a = check(t.then(), ctx);
        Type b = check(t.otherwise(), ctx);
        if (c != null && c != Type.BOOL) diagnostics.error("type.condition-not-bool", t.condition().span(), c.word);
        if (a == null || b == null) return null;
        if (a == b) return a;
        if (a.isNumeric() && b.isNumeric()) return Type.FLOAT;
        diagnostics.error("type.branch-mismatch", t.otherwise().span(), a.word, b.word);
        return null;
    }

    private Type checkBlock(Block b, Ctx outer) {
        Ctx ctx = outer.nested();
        for (Let let : b.lets()) {
            Type t = check(let.value(), ctx);
            if (Builtins.isReserved(let.name())) {
                diagnostics.error("name.reserved", let.nameSpan(), let.name());
            } else if (ctx.scope().own(let.name()) instanceof Scope.LetValue previous) {
                diagnostics.error("name.duplicate-let", let.nameSpan(), let.name(), previous.line());
            } else if (t != null) {
                ctx.scope().define(let.name(), new Scope.LetValue(t, let.nameSpan().line()));
            } else {
                // Failed value: define it anyway with no type, so its uses stay quiet.
                ctx.scope().define(let.name(), new Scope.LetValue(null, let.nameSpan().line()));
            }
        }
        return check(b.result(), ctx);
    }
}
