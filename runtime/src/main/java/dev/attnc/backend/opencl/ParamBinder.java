package dev.attnc.backend.opencl;

import dev.attnc.AttnInputException;
import dev.attnc.DType;
import dev.attnc.Tensor;
import dev.attnc.compiler.codegen.c.ParamArg;
import dev.attnc.ffm.opencl.ClBuffer;
import dev.attnc.ffm.opencl.ClContext;
import dev.attnc.ffm.opencl.ClKernel;
import java.util.List;
import java.util.Map;

/**
 * Sets an attention's parameters as kernel arguments: scalars by value (bool as 0/1), tensors as
 * buffers in the element type the kernel declares (float32, int32, one byte per bool), converting
 * a tensor given in another dtype of its kind (float16 bias, int64 ids).
 */
final class ParamBinder {
    private ParamBinder() {}

    /** Binds {@code p} at argument {@code index}; buffers made for it are added to {@code owned}. */
    static void bind(ClContext ctx, ClKernel kernel, int index, ParamArg p, Map<String, Object> scalars,
            Map<String, Tensor> tensors, List<ClBuffer> owned) {
        if (p.kind().isTensor()) {
            Tensor t = tensors.get(p.name());
            if (t == null) throw new AttnInputException("missing tensor argument '" + p.name() + "'");
            if (t.elementCount() == 0) throw new AttnInputException("tensor argument '" + p.name() + "' is empty");
            DType want = switch (p.kind()) {
                case INT_TENSOR -> DType.I32;
                case FLOAT_TENSOR -> DType.F32;
                default -> DType.BOOL;
            };
            Tensor data = t.dtype() == want ? t : t.convert(want);
            ClBuffer b = ctx.upload(data.segment());
            owned.add(b);
            kernel.setArg(index, b);
            return;
        }
        Object v = scalars.get(p.name());
        if (v == null) throw new AttnInputException("missing argument '" + p.name() + "'");
        switch (p.kind()) {
            case INT -> kernel.setArg(index, ((Number) v).intValue());
            case FLOAT -> kernel.setArg(index, ((Number) v).floatValue());
            case BOOL -> kernel.setArg(index, ((Boolean) v) ? 1 : 0);
            default -> throw new AssertionError(p.kind());
        }
    }
}
