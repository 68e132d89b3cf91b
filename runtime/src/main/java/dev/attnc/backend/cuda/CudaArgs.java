package dev.attnc.backend.cuda;

import dev.attnc.backend.RunInputs;
import dev.attnc.backend.SignatureBinder;
import dev.attnc.compiler.codegen.KernelArg;
import dev.attnc.compiler.codegen.cuda.CudaKernelSource;
import dev.attnc.ffm.cuda.DeviceBuffer;
import dev.attnc.ffm.cuda.TensorMap;
import java.lang.foreign.MemorySegment;
import java.util.Map;
import java.util.function.Function;

/**
 * A CUDA kernel's launch arguments, bound by name from its signature ({@link SignatureBinder}) into
 * the positional list that {@code cuLaunchKernel} takes; the Java type of each value picks its C type
 * there (CudaContext.launch).
 */
final class CudaArgs {
    private CudaArgs() {}

    static Object[] bind(CudaKernelSource source, Map<String, ?> fixed, RunInputs in, Function<MemorySegment, Object> upload) {
        return bind(source.entry(), source.signature(), fixed, in, upload);
    }

    static Object[] bind(String entry, dev.attnc.compiler.codegen.KernelSignature signature, Map<String, ?> fixed, RunInputs in,
            Function<MemorySegment, Object> upload) {
        return SignatureBinder.bind(entry, signature, fixed, in, upload, CudaArgs::fits).toArray();
    }

    /** Pointers as device buffers (or a raw address: 0 for null), ints, floats, TMA descriptors by value. */
    static boolean fits(KernelArg.Kind kind, Object value) {
        return switch (kind) {
            case KernelArg.Kind.Buffer b -> value instanceof DeviceBuffer || value instanceof Long;
            case KernelArg.Kind.Int i -> value instanceof Integer;
            case KernelArg.Kind.Long l -> value instanceof Long;
            case KernelArg.Kind.Float f -> value instanceof Float;
            case KernelArg.Kind.TensorMap t -> value instanceof TensorMap;
        };
    }
}
