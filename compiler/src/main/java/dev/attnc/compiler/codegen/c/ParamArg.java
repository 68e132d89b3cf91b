package dev.attnc.compiler.codegen.c;

import dev.attnc.compiler.ir.Attention;
import dev.attnc.compiler.ir.ParamDecl;
import dev.attnc.compiler.ir.Type;
import java.util.ArrayList;
import java.util.List;

/**
 * One run-time parameter of an attention as a kernel argument: scalars by value (bool as an int,
 * since OpenCL C has no bool kernel arguments), tensors as device pointers (int as int32, float as
 * float32, bool as one byte each). {@code KernelArg.of} makes it a kernel argument.
 *
 * @param name the user's name (to find the value in the call's bindings)
 * @param identifier the mangled C name
 */
public record ParamArg(String name, String identifier, Kind kind) {
    public enum Kind {
        INT, FLOAT, BOOL, INT_TENSOR, FLOAT_TENSOR, BOOL_TENSOR;

        public boolean isTensor() {
            return ordinal() >= INT_TENSOR.ordinal();
        }
    }

    public static List<ParamArg> of(Attention a) {
        List<ParamArg> out = new ArrayList<>();
        Names names = new Names(a);
        for (ParamDecl p : a.params()) {
            Kind kind = switch (p) {
                case ParamDecl.Scalar s -> switch (s.type()) {
                    case INT -> Kind.INT;
                    case FLOAT -> Kind.FLOAT;
                    case BOOL -> Kind.BOOL;
                };
                case ParamDecl.Tensor t -> t.tensor().elementType() == Type.INT ? Kind.INT_TENSOR
                        : t.tensor().elementType() == Type.FLOAT ? Kind.FLOAT_TENSOR : Kind.BOOL_TENSOR;
            };
            out.add(new ParamArg(p.name(), names.param(p.name()), kind));
        }
        return out;
    }
}
