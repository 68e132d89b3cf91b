package dev.attnc.compiler.ir;

import dev.attnc.kernel.SizeName;
import java.util.List;

/**
 * The expression IR: immutable records that check their own types when built, so an ill-typed IR
 * cannot exist. Equal subtrees are equal records; {@code passes.Cse} makes them one object. Every
 * node knows its type. Switch over it with pattern matching; there is no visitor.
 */
public sealed interface Expr {
    Type type();

    /** The operands, in order (empty for leaves). */
    default List<Expr> children() {
        return List.of();
    }

    record IntConst(int value) implements Expr {
        public Type type() { return Type.INT; }
    }

    /** A float constant; kernels round it to float32, the interpreter uses it as written. */
    record FloatConst(double value) implements Expr {
        public FloatConst {
            if (Double.isNaN(value)) throw new IllegalArgumentException("NaN constant");
        }

        public Type type() { return Type.FLOAT; }
    }

    record BoolConst(boolean value) implements Expr {
        public Type type() { return Type.BOOL; }
    }

    /** b, h, q or kv. */
    record Index(Axis axis) implements Expr {
        public Type type() { return Type.INT; }
    }

    /** B, H, H_KV, Q_LEN, KV_LEN or D. */
    record Size(SizeName size) implements Expr {
        public Type type() { return Type.INT; }
    }

    /** A scalar parameter of the attention, given at run time. */
    record Param(String name, Type type) implements Expr {}

    /** The incoming score: scale · dot(Q[b,h,q,:], K[b,hk,kv,:]). */
    record Score() implements Expr {
        public Type type() { return Type.FLOAT; }
    }

    record Unary(UnaryOp op, Expr operand) implements Expr {
        public Unary {
            if (op.result(operand.type()) == null) throw new IllegalArgumentException(op.word + " of " + operand.type().word);
        }

        public Type type() { return op.result(operand.type()); }

        public List<Expr> children() { return List.of(operand); }
    }

    record Binary(BinaryOp op, Expr left, Expr right) implements Expr {
        public Binary {
            if (left.type() != right.type() || op.result(left.type()) == null) {
                throw new IllegalArgumentException(op.word + " of " + left.type().word + " and " + right.type().word);
            }
        }

        public Type type() { return op.result(left.type()); }

        public List<Expr> children() { return List.of(left, right); }
    }

    record Select(Expr condition, Expr then, Expr otherwise) implements Expr {
        public Select {
            if (condition.type() != Type.BOOL || then.type() != otherwise.type()) {
                throw new IllegalArgumentException("select(" + condition.type().word + ", " + then.type().word + ", " + otherwise.type().word + ")");
            }
        }

        public Type type() { return then.type(); }

        public List<Expr> children() { return List.of(condition, then, otherwise); }
    }

    /**
     * {@code tensor[indices]}. While {@code clamped} is true, each index is clamped into its
     * dimension at run time (the language's meaning of an out-of-range index); range analysis
     * clears it where it proves every index in bounds.
     */
    record Load(TensorParam tensor, List<Expr> indices, boolean clamped) implements Expr {
        public Load {
            indices = List.copyOf(indices);
            if (indices.size() != tensor.dims().size()) throw new IllegalArgumentException("rank mismatch for " + tensor.name());
            for (Expr i : indices) if (i.type() != Type.INT) throw new IllegalArgumentException("index of type " + i.type().word);
        }

        public Type type() { return tensor.elementType(); }

        public List<Expr> children() { return indices; }
    }
}
