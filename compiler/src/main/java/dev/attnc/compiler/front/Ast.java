package dev.attnc.compiler.front;

import dev.attnc.compiler.diag.Span;
import java.util.List;

/**
 * The program as written: records with source spans, built from the parse tree by
 * {@link AstBuilder}. Nothing is resolved yet; {@link Checker} gives names and types meaning and
 * {@code ir.Lowering} turns an attention into IR.
 */
public final class Ast {
    private Ast() {}

    public record Program(List<Definition> definitions) {}

    public sealed interface Definition {
        String name();

        Span nameSpan();
    }

    public record ConstDef(String name, Span nameSpan, Expr value) implements Definition {}

    /** A {@code mask} or {@code score} function. */
    public record FunctionDef(FunctionKind kind, String name, Span nameSpan, List<Param> params, Expr body)
            implements Definition {}

    public enum FunctionKind {
        MASK("mask"), SCORE("score function");

        public final String word;

        FunctionKind(String word) {
            this.word = word;
        }
    }

    /**
     * {@code attention NAME(params) { score = ...  mask = ...  normalize = ... }}; a missing clause
     * is null. The normalize clause's value is the call as written ({@code softmax(sink = E)}); the
     * checker gives it meaning.
     */
    public record AttentionDef(String name, Span nameSpan, List<Param> params, Clause score, Clause mask, Clause normalize)
            implements Definition {
        public AttentionDef(String name, Span nameSpan, List<Param> params, Clause score, Clause mask) {
            this(name, nameSpan, params, score, mask, null);
        }
    }

    public record Clause(Span span, Expr value) {}

    public record Param(String name, Span span, TypeRef type, Expr defaultValue) {}

    public enum Scalar {
        INT("int"), FLOAT("float"), BOOL("bool");

        public final String word;

        Scalar(String word) {
            this.word = word;
        }
    }

    /** {@code int}, or a tensor {@code float[H, 2 * KV_LEN - 1]} when dims is not empty. */
    public record TypeRef(Scalar scalar, List<Expr> dims, Span span) {
        public boolean isTensor() {
            return !dims.isEmpty();
        }
    }

    public sealed interface Expr {
        Span span();
    }

    public record IntLit(long value, Span span) implements Expr {}

    public record FloatLit(double value, String text, Span span) implements Expr {}

    public record BoolLit(boolean value, Span span) implements Expr {}

    public record ScoreRef(Span span) implements Expr {}

    /** A name, bare ({@code causal}, {@code q}) or called ({@code causal()}, {@code exp(x)}). */
    public record Call(String name, Span nameSpan, List<Arg> args, boolean parens, Span span) implements Expr {}

    public record Arg(String name, Span nameSpan, Expr value) {
        public boolean named() {
            return name != null;
        }
    }

    public record Index(Expr target, List<Expr> indices, Span span) implements Expr {}

    public enum UnaryOp { NEG, NOT }

    public record Unary(UnaryOp op, Expr operand, Span opSpan, Span span) implements Expr {}

    public enum BinaryOp {
        ADD("+"), SUB("-"), MUL("*"), DIV("/"), MOD("%"),
        LT("<"), LE("<="), GT(">"), GE(">="), EQ("=="), NE("!="), AND("&&"), OR("||");

        public final String symbol;

        BinaryOp(String symbol) {
            this.symbol = symbol;
        }

        public boolean isArithmetic() {
            return ordinal() <= MOD.ordinal();
        }

        public boolean isOrdering() {
            return this == LT || this == LE || this == GT || this == GE;
        }

        public boolean isLogic() {
            return this == AND || this == OR;
        }
    }

    public record Binary(BinaryOp op, Expr left, Expr right, Span opSpan, Span span) implements Expr {}

    /** {@code input |> fn(args)}: apply score function fn with {@code score := input}. */
    public record Pipe(Expr input, Call function, Span opSpan, Span span) implements Expr {}

    public record Ternary(Expr condition, Expr then, Expr otherwise, Span span) implements Expr {}

    public record Let(String name, Span nameSpan, Expr value) {}

    /** {@code { let a = ...; let b = ...; result }}. */
    public record Block(List<Let> lets, Expr result, Span span) implements Expr {}
}
