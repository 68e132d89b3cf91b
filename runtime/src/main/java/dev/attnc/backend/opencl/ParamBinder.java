package dev.attnc.backend.opencl;

import dev.attnc.backend.KernelInputs;
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
            ClBuffer b = ctx.upload(KernelInputs.deviceTensor(p, tensors).segment());
            owned.add(b);
            kernel.setArg(index, b);
            return;
        }
        switch (KernelInputs.deviceScalar(p, scalars)) {
            case Float f -> kernel.setArg(index, f);
            case Integer i -> kernel.setArg(index, i);
            default -> throw new AssertionError(p.kind());
        }
    }
}
