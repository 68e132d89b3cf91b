package dev.attnc.compiler.ir;

/** A run-time parameter of an attention, in declaration order. */
public sealed interface ParamDecl {
    String name();

    /** A scalar; {@code defaultValue} is an Integer, Double or Boolean, or null when the caller must give it. */
    record Scalar(String name, Type type, Object defaultValue) implements ParamDecl {}

    record Tensor(TensorParam tensor) implements ParamDecl {
        public String name() { return tensor.name(); }
    }
}
