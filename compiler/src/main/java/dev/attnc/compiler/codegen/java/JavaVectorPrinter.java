package dev.attnc.compiler.codegen.java;

import com.palantir.javapoet.ClassName;
import com.palantir.javapoet.CodeBlock;
import com.palantir.javapoet.ParameterizedTypeName;
import com.palantir.javapoet.TypeName;
import dev.attnc.compiler.codegen.Placement;
import dev.attnc.compiler.codegen.java.JavaExprPrinter.Level;
import dev.attnc.compiler.codegen.java.JavaExprPrinter.Scope;
import dev.attnc.kernel.cpu.ElementVectors;
import dev.attnc.kernel.cpu.QueryTile;
import dev.attnc.compiler.ir.BinaryOp;
import dev.attnc.compiler.ir.Expr;
import dev.attnc.compiler.ir.Expr.*;
import dev.attnc.compiler.ir.Type;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * The per-(row, key) part of the score function and mask as Vector API code, a vector of keys at
 * a time: floats as FloatVector, ints as IntVector, bools as VectorMask&lt;Float&gt;. Values fixed
 * for the row (or the task) are computed once as scalars by {@link JavaExprPrinter} and broadcast.
 * Only operations whose vector form means what {@code ir.Semantics} says are printed (the math
 * functions to float32 accuracy, as the scalar path rounds them); anything else (division,
 * modulo, float→int, a tensor read per key) makes {@link #supports} false and the loop stays scalar.
 * Which nodes a tile computes per pair, and where the others live, {@link Placement} decides.
 */
final class JavaVectorPrinter {
    // by name: generating code must not need the incubator module, only running it does
    private static final String VECTOR = "jdk.incubator.vector";
    static final ClassName FLOAT_VECTOR = ClassName.get(VECTOR, "FloatVector");
    private static final ClassName INT_VECTOR = ClassName.get(VECTOR, "IntVector");
    static final TypeName FLOAT_MASK = ParameterizedTypeName.get(ClassName.get(VECTOR, "VectorMask"), ClassName.get(Float.class));
    private static final ClassName OPS = ClassName.get(VECTOR, "VectorOperators");
    private static final ClassName LANES = ClassName.get(ElementVectors.class);

    private final JavaExprPrinter scalar;

    JavaVectorPrinter(JavaExprPrinter scalar) {
        this.scalar = scalar;
    }

    /** The body of one vector iteration: declarations of vector locals, beside the scalar row scope they read. */
    final class Body {
        private final Scope row;
        private final CodeBlock.Builder code = CodeBlock.builder();
        private final Map<Expr, String> locals = new IdentityHashMap<>();
        private boolean score, kv;

        Body(Scope row) {
            this.row = row;
        }

        CodeBlock code() {
            return code.build();
        }
    }

    /** Whether every node of a tile's per-(row, key) code, as {@link Placement} lists it, has a vector form. */
    boolean supports(List<Expr> pairNodes) {
        return pairNodes.stream().allMatch(JavaVectorPrinter::hasVectorForm);
    }

    private static boolean hasVectorForm(Expr e) {
        return switch (e) {
            case Unary u -> switch (u.op()) {
                case NEG, NOT, ABS, EXP, LOG, TANH, SQRT, SIGMOID, TO_FLOAT -> true;
                default -> false;
            };
            case Binary b -> switch (b.op()) {
                case FLOOR_DIV, FLOOR_MOD, TRUNC_DIV, TRUNC_MOD -> false;
                default -> true;
            };
            case Select s -> true;
            default -> false;
        };
    }

    /** {@code e} as a vector expression in {@code body}: a FloatVector, IntVector or VectorMask&lt;Float&gt;. */
    CodeBlock value(Expr e, Body body) {
        if (scalar.level(e) != Level.ELEMENT) return broadcast(e.type(), scalar.local(e, body.row));
        if (e instanceof Score) return CodeBlock.of("$L", score(body));
        if (e instanceof Index) return CodeBlock.of("$L", keys(body));
        String known = body.locals.get(e);
        if (known != null) return CodeBlock.of("$L", known);
        CodeBlock op = operation(e, body);
        if (!scalar.shared(e)) return op;
        String name = "v" + scalar.placement().number(e);
        body.code.addStatement("final $T $L = $L", type(e.type()), name, op);
        body.locals.put(e, name);
        return CodeBlock.of("$L", name);
    }

    private static TypeName type(Type t) {
        return switch (t) {
            case FLOAT -> FLOAT_VECTOR;
            case INT -> INT_VECTOR;
            case BOOL -> FLOAT_MASK;
        };
    }

    private static CodeBlock broadcast(Type t, CodeBlock scalarValue) {
        return switch (t) {
            case FLOAT -> CodeBlock.of("$T.broadcast($T.FLOATS, $L)", FLOAT_VECTOR, LANES, scalarValue);
            case INT -> CodeBlock.of("$T.broadcast($T.INTS, $L)", INT_VECTOR, LANES, scalarValue);
            case BOOL -> CodeBlock.of("$T.FLOATS.maskAll($L)", LANES, scalarValue);
        };
    }

    /** The vector of incoming scores. */
    private String score(Body body) {
        if (!body.score) {
            body.code.addStatement("final $T $L = $T.fromArray($T.FLOATS, $L, $L)", FLOAT_VECTOR, Skeleton.SCORE,
                    FLOAT_VECTOR, LANES, Skeleton.SCORES, Skeleton.AT);
            body.score = true;
        }
        return Skeleton.SCORE;
    }

    /** The vector of key positions kv0 + j, ..., kv0 + j + LANES - 1 (kv is the only per-key index). */
    private String keys(Body body) {
        if (!body.kv) {
            body.code.addStatement("final $T $L = $T.IOTA.add($L + $L)", INT_VECTOR, Skeleton.KV, LANES, Skeleton.COL0, Skeleton.COL);
            body.kv = true;
        }
        return Skeleton.KV;
    }

    private CodeBlock operation(Expr e, Body body) {
        return switch (e) {
            case Unary u -> unary(u, value(u.operand(), body));
            case Binary b -> binary(b, value(b.left(), body), value(b.right(), body));
            case Select s -> select(s.type(), value(s.condition(), body), value(s.then(), body), value(s.otherwise(), body));
            default -> throw new IllegalArgumentException("no vector form: " + e);
        };
    }

    private static CodeBlock unary(Unary u, CodeBlock x) {
        return switch (u.op()) {
            case NEG -> CodeBlock.of("$L.neg()", x);
            case NOT -> CodeBlock.of("$L.not()", x);
            case ABS -> CodeBlock.of("$L.abs()", x);
            case EXP -> CodeBlock.of("$L.lanewise($T.EXP)", x, OPS);
            case LOG -> CodeBlock.of("$L.lanewise($T.LOG)", x, OPS);
            case TANH -> CodeBlock.of("$L.lanewise($T.TANH)", x, OPS);
            case SQRT -> CodeBlock.of("$L.sqrt()", x);
            case SIGMOID -> CodeBlock.of("$T.broadcast($T.FLOATS, 1f).div($L.neg().lanewise($T.EXP).add(1f))", FLOAT_VECTOR, LANES, x, OPS);
            case TO_FLOAT -> CodeBlock.of("(($T) $L.convert($T.I2F, 0))", FLOAT_VECTOR, x, OPS);
            default -> throw new IllegalArgumentException("no vector form: " + u.op());
        };
    }

    private static CodeBlock binary(Binary b, CodeBlock l, CodeBlock r) {
        boolean ints = b.left().type() == Type.INT;
        return switch (b.op()) {
            case ADD -> CodeBlock.of("$L.add($L)", l, r);
            case SUB -> CodeBlock.of("$L.sub($L)", l, r);
            case MUL -> CodeBlock.of("$L.mul($L)", l, r);
            case DIV -> CodeBlock.of("$L.div($L)", l, r);
            case MIN -> CodeBlock.of("$L.min($L)", l, r);
            case MAX -> CodeBlock.of("$L.max($L)", l, r);
            case AND -> CodeBlock.of("$L.and($L)", l, r);
            case OR -> CodeBlock.of("$L.or($L)", l, r);
            case EQ, NE -> b.left().type() == Type.BOOL
                    ? CodeBlock.of(b.op() == BinaryOp.EQ ? "$L.eq($L)" : "$L.eq($L).not()", l, r)
                    : compare(b, l, r, ints);
            case LT, LE, GT, GE -> compare(b, l, r, ints);
            default -> throw new IllegalArgumentException("no vector form: " + b.op());
        };
    }

    /** A comparison; int masks become float masks (the same lanes), the one mask type of this printer. */
    private static CodeBlock compare(Binary b, CodeBlock l, CodeBlock r, boolean ints) {
        CodeBlock mask = CodeBlock.of("$L.compare($T.$L, $L)", l, OPS, b.op().name(), r);
        return ints ? CodeBlock.of("$L.cast($T.FLOATS)", mask, LANES) : mask;
    }

    private static CodeBlock select(Type t, CodeBlock c, CodeBlock then, CodeBlock otherwise) {
        return switch (t) {
            case FLOAT -> CodeBlock.of("$L.blend($L, $L)", otherwise, then, c);
            case INT -> CodeBlock.of("$L.blend($L, $L.cast($T.INTS))", otherwise, then, c, LANES);
            case BOOL -> CodeBlock.of("$L.and($L).or($L.not().and($L))", c, then, c, otherwise);
        };
    }
}
