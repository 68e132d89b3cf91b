package dev.attnc.compiler.codegen.java;

import com.palantir.javapoet.ArrayTypeName;
import com.palantir.javapoet.CodeBlock;
import com.palantir.javapoet.TypeName;
import dev.attnc.compiler.codegen.Placement;
import dev.attnc.kernel.cpu.KernelMath;
import dev.attnc.kernel.cpu.QueryTile;
import dev.attnc.compiler.ir.Attention;
import dev.attnc.compiler.ir.BinaryOp;
import dev.attnc.compiler.ir.Expr;
import dev.attnc.compiler.ir.Expr.*;
import dev.attnc.compiler.ir.Semantics;
import dev.attnc.kernel.SizeName;
import dev.attnc.compiler.ir.TensorParam;
import dev.attnc.compiler.ir.Type;
import dev.attnc.compiler.passes.Exprs;
import dev.attnc.compiler.passes.Interval;
import dev.attnc.compiler.passes.RangeAnalysis;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;

/**
 * IR → Java expressions, each operation with exactly the meaning {@link Semantics} gives it, in
 * float32 for floats. A node gets a local ({@code t3} holds what {@code attnc ir} calls %3) when
 * it is shared or when {@link Placement} puts it in an outer loop: per-head values are computed
 * once per task, per-row values once per query row, the rest per (row, key); a node used once in
 * its own loop is printed inside its user's expression. Leaves that
 * need a declaration (parameters, sizes, q, kv, score) are declared the first time a scope needs
 * them. Every IR operation is total (no exceptions), so computing shared values eagerly is safe.
 */
final class JavaExprPrinter {
    /** Where a local lives: once per task (b, h, query tile), per query row, or per (row, key). */
    enum Level { TASK, ROW, ELEMENT }

    /** A block that declares locals; inner scopes see the locals of outer ones. */
    final class Scope {
        private final Level level;
        private final Scope outer;
        private final CodeBlock.Builder code = CodeBlock.builder();
        /** Interior nodes (by identity: the IR is CSE'd) and the leaf locals declared here. */
        private final Map<Expr, String> nodes = new IdentityHashMap<>();
        private final Set<String> leaves = new HashSet<>();

        private Scope(Level level, Scope outer) {
            this.level = level;
            this.outer = outer;
        }

        Scope inner(Level l) {
            return new Scope(l, this);
        }

        /** The declarations made in this scope so far. */
        CodeBlock code() {
            return code.build();
        }

        private Scope at(Level l) {
            for (Scope s = this; s != null; s = s.outer) if (s.level == l) return s;
            throw new IllegalStateException("no " + l + " scope around a " + level + " scope");
        }

        private String node(Expr e) {
            for (Scope s = this; s != null; s = s.outer) {
                String n = s.nodes.get(e);
                if (n != null) return n;
            }
            return null;
        }

        /** A leaf's local, declared in the scope of {@code level} on first use. */
        private String leaf(Level l, String name, TypeName type, CodeBlock init) {
            Scope home = at(l);
            if (home.leaves.add(name)) home.code.addStatement("final $T $L = $L", type, name, init);
            return name;
        }
    }

    private final JavaNames names;
    private final Placement placement;
    private final Map<Expr, Interval> ranges;

    JavaExprPrinter(Attention a, Placement placement, JavaNames names) {
        this.names = names;
        this.placement = placement;
        this.ranges = RangeAnalysis.analyze(a);
    }

    Placement placement() {
        return placement;
    }

    Scope taskScope() {
        return new Scope(Level.TASK, null);
    }

    /** The value of {@code e} as a Java expression valid in {@code scope}, declaring what it needs. */
    CodeBlock value(Expr e, Scope scope) {
        if (Exprs.isLeaf(e)) return leaf(e, scope);
        String known = scope.node(e);
        if (known != null) return CodeBlock.of("$L", known);
        if (level(e) == scope.level && !shared(e)) return operation(e, scope);
        return local(e, scope);
    }

    /** The local that holds interior node {@code e}, declared in the scope of its level (outside {@code scope} or in it). */
    CodeBlock local(Expr e, Scope scope) {
        if (Exprs.isLeaf(e)) return leaf(e, scope);
        String known = scope.node(e);
        if (known != null) return CodeBlock.of("$L", known);
        Scope home = scope.at(level(e));
        String name = placement.local(e);
        home.code.addStatement("final $T $L = $L", type(e.type()), name, operation(e, home));
        home.nodes.put(e, name);
        return CodeBlock.of("$L", name);
    }

    /** Used more than once in the IR: computed once, into a local. */
    boolean shared(Expr e) {
        return placement.shared(e);
    }

    /** The local that holds a size ({@code D} is the kernel's constant). */
    String size(SizeName s, Scope scope) {
        if (s == SizeName.D) return "D";
        return scope.leaf(Level.TASK, s.word(), TypeName.INT, CodeBlock.of("$L.sizes().$L()", Skeleton.ARGS, s.word()));
    }

    /**
     * Declares KV_LEN in the task scope as the length of the task's sequence b ({@code args.kvLen(b)}:
     * per-sequence lengths when the call has them), before anything else asks for it: the forward
     * kernel's guard and variant code see each sequence's own length.
     */
    String sequenceKvLen(Scope scope) {
        return scope.leaf(Level.TASK, SizeName.KV_LEN.word(), TypeName.INT, CodeBlock.of("$L.kvLen($L)", Skeleton.ARGS, Skeleton.B));
    }

    /** The scope of {@link Placement}'s level: the Java kernel has no loop over the keys alone, so per-key values are per pair. */
    Level level(Expr e) {
        return switch (placement.level(e)) {
            case HEAD -> Level.TASK;
            case ROW -> Level.ROW;
            case COLUMN, PAIR -> Level.ELEMENT;
        };
    }

    static TypeName type(Type t) {
        return switch (t) {
            case INT -> TypeName.INT;
            case FLOAT -> TypeName.FLOAT;
            case BOOL -> TypeName.BOOLEAN;
        };
    }

    private CodeBlock leaf(Expr e, Scope scope) {
        return switch (e) {
            case IntConst c -> CodeBlock.of(c.value() < 0 ? "($L)" : "$L", c.value());
            case FloatConst c -> floatLiteral((float) c.value());
            case BoolConst c -> CodeBlock.of("$L", c.value());
            case Index i -> CodeBlock.of("$L", switch (i.axis()) {
                case B -> Skeleton.B;
                case H -> Skeleton.H;
                case Q -> scope.leaf(Level.ROW, Skeleton.Q, TypeName.INT, CodeBlock.of("$L + $L", Skeleton.ROW0, Skeleton.ROW));
                case KV -> scope.leaf(Level.ELEMENT, Skeleton.KV, TypeName.INT, CodeBlock.of("$L + $L", Skeleton.COL0, Skeleton.COL));
            });
            case Size s -> CodeBlock.of("$L", size(s.size(), scope));
            case Param p -> CodeBlock.of("$L", scope.leaf(Level.TASK, names.param(p.name()), type(p.type()),
                    CodeBlock.of("($T) $L.params()[$L]", type(p.type()).box(), Skeleton.ARGS, names.position(p.name()))));
            case Score s -> CodeBlock.of("$L", scope.leaf(Level.ELEMENT, Skeleton.SCORE, TypeName.FLOAT,
                    CodeBlock.of("$L[$L]", Skeleton.SCORES, Skeleton.AT)));
            default -> throw new IllegalArgumentException("not a leaf: " + e);
        };
    }

    /** A float constant rounded to float32, with an f suffix (infinities by name). */
    private static CodeBlock floatLiteral(float f) {
        if (Float.isInfinite(f)) return CodeBlock.of("$T.$L", Float.class, f > 0 ? "POSITIVE_INFINITY" : "NEGATIVE_INFINITY");
        return CodeBlock.of(f < 0 || 1 / f < 0 ? "($Lf)" : "$Lf", Float.toString(f));
    }

    private CodeBlock operation(Expr e, Scope scope) {
        return switch (e) {
            case Unary u -> unary(u, value(u.operand(), scope));
            case Binary b -> binary(b, value(b.left(), scope), value(b.right(), scope));
            case Select s -> CodeBlock.of("($L ? $L : $L)",
                    value(s.condition(), scope), value(s.then(), scope), value(s.otherwise(), scope));
            case Load l -> load(l, scope);
            default -> throw new IllegalArgumentException("a leaf is not an operation: " + e);
        };
    }

    private static CodeBlock unary(Unary u, CodeBlock x) {
        return switch (u.op()) {
            case NEG -> CodeBlock.of("(-$L)", x);
            case NOT -> CodeBlock.of("(!$L)", x);
            case ABS -> CodeBlock.of("$T.abs($L)", Math.class, x);
            case EXP -> CodeBlock.of("((float) $T.exp($L))", Math.class, x);
            case EXP2 -> CodeBlock.of("((float) $T.pow(2.0, $L))", Math.class, x);
            case LOG -> CodeBlock.of("((float) $T.log($L))", Math.class, x);
            case LOG2 -> CodeBlock.of("$T.log2($L)", KernelMath.class, x);
            case SQRT -> CodeBlock.of("((float) $T.sqrt($L))", Math.class, x);
            case RSQRT -> CodeBlock.of("((float) (1.0 / $T.sqrt($L)))", Math.class, x);
            case TANH -> CodeBlock.of("((float) $T.tanh($L))", Math.class, x);
            case SIGMOID -> CodeBlock.of("((float) (1.0 / (1.0 + $T.exp(-$L))))", Math.class, x);
            case FLOOR -> CodeBlock.of("((int) $T.floor($L))", Math.class, x);
            case CEIL -> CodeBlock.of("((int) $T.ceil($L))", Math.class, x);
            case TO_FLOAT -> CodeBlock.of("((float) $L)", x);
            // Java's (int) of a float truncates, saturates and maps NaN to 0: Semantics.toInt exactly
            case TO_INT -> CodeBlock.of("((int) $L)", x);
        };
    }

    private CodeBlock binary(Binary b, CodeBlock l, CodeBlock r) {
        BinaryOp op = b.op();
        boolean isInt = b.left().type() == Type.INT;
        return switch (op) {
            case ADD, SUB, MUL, DIV, LT, LE, GT, GE, EQ, NE, AND, OR -> CodeBlock.of("($L $L $L)", l, op.symbol, r);
            case MIN -> CodeBlock.of("$T.min($L, $L)", Math.class, l, r);
            case MAX -> CodeBlock.of("$T.max($L, $L)", Math.class, l, r);
            case FLOOR_DIV -> divide(b, CodeBlock.of("$T.floorDiv($L, $L)", Math.class, l, r), "floorDiv", l, r);
            case FLOOR_MOD -> isInt ? divide(b, CodeBlock.of("$T.floorMod($L, $L)", Math.class, l, r), "floorMod", l, r)
                    : CodeBlock.of("$T.floorMod($L, $L)", KernelMath.class, l, r);
            case TRUNC_DIV -> divide(b, CodeBlock.of("($L / $L)", l, r), "truncDiv", l, r);
            case TRUNC_MOD -> divide(b, CodeBlock.of("($L % $L)", l, r), "truncMod", l, r);
        };
    }

    /**
     * An int division or modulo: Java's own operation when the divisor is provably nonzero,
     * otherwise the KernelMath method of that name, the one Semantics calls (which gives 0 for a zero
     * divisor, where Java throws).
     */
    private CodeBlock divide(Binary b, CodeBlock plain, String guarded, CodeBlock l, CodeBlock r) {
        return nonZero(b.right()) ? plain : CodeBlock.of("$T.$L($L, $L)", KernelMath.class, guarded, l, r);
    }

    private boolean nonZero(Expr divisor) {
        Interval r = range(divisor);
        return r != null && (r.atLeast(1) || r.atMost(-1));
    }

    /** A row-major read; a clamped index is clamped into [0, dim - 1], the language's meaning of an index outside the shape. */
    private CodeBlock load(Load l, Scope scope) {
        TensorParam t = l.tensor();
        String array = scope.leaf(Level.TASK, names.param(t.name()), ArrayTypeName.of(type(t.elementType())),
                CodeBlock.of("($T) $L.params()[$L]", ArrayTypeName.of(type(t.elementType())), Skeleton.ARGS, names.position(t.name())));
        return CodeBlock.of("$L[$L]", array, index(l, scope));
    }

    /** The row-major flat index of the element a load reads (its indices clamped when the load is), valid in {@code scope}. */
    CodeBlock index(Load l, Scope scope) {
        TensorParam t = l.tensor();
        CodeBlock flat = null;
        for (int i = 0; i < l.indices().size(); i++) {
            CodeBlock x = value(l.indices().get(i), scope);
            if (l.clamped() && !inBounds(l.indices().get(i), t.dims().get(i))) {
                x = CodeBlock.of("$T.clamp($L, 0, $L - 1)", Math.class, x, dim(t, i, scope));
            }
            flat = flat == null ? x : CodeBlock.of("($L * $L + $L)", flat, dim(t, i, scope), x);
        }
        return flat;
    }

    /** Whether an index provably lies in [0, dim - 1] (a clamped read may still have such indices: h of bias[h, kv - q]). */
    private boolean inBounds(Expr index, Expr dim) {
        return range(index) != null && range(index).within(RangeAnalysis.dimension(dim));
    }

    private Interval range(Expr e) {
        return ranges.containsKey(e) ? ranges.get(e) : RangeAnalysis.analyze(e).get(e);
    }

    private String dim(TensorParam t, int i, Scope scope) {
        Scope task = scope.at(Level.TASK);
        String name = names.dim(t.name(), i);
        // the extent's own declarations (sizes) come first
        if (!task.leaves.contains(name)) task.leaf(Level.TASK, name, TypeName.INT, value(t.dims().get(i), task));
        return name;
    }
}
