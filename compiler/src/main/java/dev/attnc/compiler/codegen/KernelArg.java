package dev.attnc.compiler.codegen;

import dev.attnc.compiler.codegen.c.Dialect;
import dev.attnc.compiler.codegen.c.ParamArg;

/**
 * One argument of a generated kernel: its C name, what it holds (a pointer to elements, an int, a
 * float, a TMA descriptor) and where its value comes from (a fixed argument of the kernel, found by
 * this name, or one of the attention's parameters). Kernels declare it and runtimes bind it from this
 * record alone; see {@link KernelSignature}.
 */
public record KernelArg(String name, Kind kind, Role role) {
    public KernelArg {
        if (!name.matches("[A-Za-z_][A-Za-z0-9_]*")) throw new IllegalArgumentException("not a C name: " + name);
    }

    /** What a kernel argument holds. */
    public sealed interface Kind {
        /** A pointer into device memory; {@code output}: the kernel writes through it. */
        record Buffer(Element element, boolean output) implements Kind {}

        /** A 32-bit int by value (bool parameters too, as 0 or 1: OpenCL C has no bool arguments). */
        record Int() implements Kind {}

        /** A 64-bit int by value (a tensor's offset or stride, in elements). */
        record Long() implements Kind {}

        /** A 32-bit float by value. */
        record Float() implements Kind {}

        /** A TMA descriptor ({@code CUtensorMap}) by value (CUDA's Hopper kernel). */
        record TensorMap() implements Kind {}
    }

    /** The element type of a buffer; {@code STORAGE} is the kernel's 16- or 32-bit Q/K/V/O type. */
    public enum Element { STORAGE, FLOAT, INT, BYTE }

    /** Where the value of an argument comes from. */
    public sealed interface Role {
        /** An argument that every kernel of its kind takes; the runtime supplies it by name. */
        record Fixed() implements Role {}

        /** One of the attention's run-time parameters, bound from the call's bindings. */
        record Param(ParamArg param) implements Role {}
    }

    static KernelArg fixed(String name, Kind kind) {
        return new KernelArg(name, kind, new Role.Fixed());
    }

    /** The argument of one attention parameter (its mangled C name). */
    public static KernelArg of(ParamArg p) {
        Kind kind = switch (p.kind()) {
            case INT, BOOL -> new Kind.Int();
            case FLOAT -> new Kind.Float();
            case INT_TENSOR -> new Kind.Buffer(Element.INT, false);
            case FLOAT_TENSOR -> new Kind.Buffer(Element.FLOAT, false);
            case BOOL_TENSOR -> new Kind.Buffer(Element.BYTE, false);
        };
        return new KernelArg(p.identifier(), kind, new Role.Param(p));
    }

    /**
     * The C declaration in a kernel's parameter list, qualified by the dialect.
     *
     * @param storageType the C name of the {@link Element#STORAGE} element type
     */
    public String declaration(Dialect d, String storageType) {
        Dialect.Qualifiers q = d.qualifiers();
        return switch (kind) {
            case Kind.Buffer(Element e, boolean output) -> (q.global().isEmpty() ? "" : q.global() + " ")
                    + (output ? "" : "const ") + elementType(e, d, storageType) + "* " + q.restrict() + " " + name;
            case Kind.Int() -> "const int " + name;
            case Kind.Long() -> "const long " + name;
            case Kind.Float() -> "const float " + name;
            case Kind.TensorMap() -> {
                if (q.byValueStruct().isEmpty()) throw new IllegalArgumentException("this dialect's kernels take no tensor maps");
                yield "const " + q.byValueStruct() + " attn_tmap " + name;
            }
        };
    }

    private static String elementType(Element e, Dialect d, String storageType) {
        return switch (e) {
            case STORAGE -> storageType;
            case FLOAT -> "float";
            case INT -> "int";
            case BYTE -> d.types().uint8();
        };
    }
}
