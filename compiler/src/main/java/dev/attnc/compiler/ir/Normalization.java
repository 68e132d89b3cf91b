package dev.attnc.compiler.ir;

import java.util.List;
import java.util.function.UnaryOperator;

/**
 * How a row's scores become weights (docs/language.md, "Normalisation"). The expression of a sink
 * or a bias is fixed per row: it may read b, h, q, sizes and parameters, never kv or the score.
 */
public sealed interface Normalization {
    /** {@code P = exp(s - LSE)}, {@code LSE = log Σ exp(s)}: the default. */
    record Softmax() implements Normalization {}

    /** Softmax with one more virtual key of logit {@code logit} and value 0. */
    record SoftmaxSink(Expr logit) implements Normalization {
        public SoftmaxSink {
            checkFloat(logit, "sink");
        }
    }

    /** {@code P = sigmoid(s + bias)}, no normalisation over the row. */
    record Sigmoid(Expr bias) implements Normalization {
        public Sigmoid {
            checkFloat(bias, "bias");
        }
    }

    Softmax SOFTMAX = new Softmax();

    /** The clause as a user writes it, without the expression: for messages. */
    default String word() {
        return switch (this) {
            case Softmax s -> "softmax";
            case SoftmaxSink s -> "softmax(sink = ...)";
            case Sigmoid s -> "sigmoid";
        };
    }

    /** The expression it reads (none for plain softmax). */
    default List<Expr> exprs() {
        return switch (this) {
            case Softmax s -> List.of();
            case SoftmaxSink s -> List.of(s.logit());
            case Sigmoid s -> List.of(s.bias());
        };
    }

    /** The same normalisation with {@code f} applied to its expression (a pass's rewrite). */
    default Normalization map(UnaryOperator<Expr> f) {
        return switch (this) {
            case Softmax s -> s;
            case SoftmaxSink s -> new SoftmaxSink(f.apply(s.logit()));
            case Sigmoid s -> new Sigmoid(f.apply(s.bias()));
        };
    }

    private static void checkFloat(Expr e, String what) {
        if (e.type() != Type.FLOAT) throw new IllegalArgumentException(what + " of type " + e.type().word);
    }
}
