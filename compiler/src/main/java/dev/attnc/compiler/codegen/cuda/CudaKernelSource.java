package dev.attnc.compiler.codegen.cuda;

import dev.attnc.compiler.codegen.c.ParamArg;
import dev.attnc.compiler.codegen.c.Storage;
import dev.attnc.compiler.plan.TilePlan;
import java.util.List;

/**
 * One generated CUDA kernel: its text for NVRTC, the entry point and how to launch it. Launch:
 * grid (query tiles, B·H), block ({@code threads}), {@code sharedBytes} of dynamic shared memory;
 * arguments Q, K, V, O, LSE, the four block-plan arrays, B, H, H_KV, Q_LEN, KV_LEN, the plan's
 * batch and head strides, its query-tile count, the softmax scale (a positive float), then
 * {@code params} in order.
 */
public record CudaKernelSource(String attention, String text, String entry, Storage storage, int headDim,
        TilePlan tiles, CudaCodegen.Options options, List<ParamArg> params, int threads, int sharedBytes) {
    public CudaKernelSource {
        params = List.copyOf(params);
    }
}
