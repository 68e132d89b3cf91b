package dev.attnc.backend.cpu;

import com.palantir.javapoet.JavaFile;
import dev.attnc.backend.KernelRequest;
import dev.attnc.compiler.codegen.java.JavaBackwardGenerator;
import dev.attnc.compiler.codegen.java.JavaKernelGenerator;

/**
 * The Java back end's stages, written once for {@link CpuBackend} and {@code attnc compile}:
 * decide ({@link dev.attnc.backend.BackendPolicy}: the tiles; Java has no other choice), source
 * ({@link #source}: one JavaPoet class; {@link #backwardSource} for the backward pass), binary and load ({@link KernelCache#kernel}: class bytes
 * from javac in memory or the disk cache, defined in a class loader of their own).
 */
public final class JavaStages {
    private JavaStages() {}

    /** The kernel's Java class. */
    public static JavaFile source(KernelRequest request) {
        return JavaKernelGenerator.generate(request.attention(), request.dtype().displayName(), request.headDim(), request.tiles());
    }

    /** The backward kernel's Java class, for the forward kernel of {@code request}. */
    public static JavaFile backwardSource(KernelRequest request) {
        return JavaBackwardGenerator.generate(request.attention(), request.dtype().displayName(), request.headDim(), request.tiles());
    }

    /** The binary name of a kernel's class. */
    static String className(JavaFile file) {
        return file.packageName() + "." + file.typeSpec().name();
    }

    /** The file name {@code attnc compile -o} writes the source to. */
    public static String fileName(JavaFile file) {
        return file.typeSpec().name() + ".java";
    }
}
