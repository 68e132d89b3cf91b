package dev.attnc.compiler.ir;

import java.util.List;

/** A tensor parameter of an attention: element type and dimensions (int expressions over sizes). */
public record TensorParam(String name, Type elementType, List<Expr> dims) {
    public TensorParam {
        dims = List.copyOf(dims);
        if (dims.isEmpty()) throw new IllegalArgumentException("a tensor has at least one dimension");
    }
}
