package dev.attnc.compiler.codegen.cuda;

import dev.attnc.compiler.codegen.KernelSignature;
import dev.attnc.compiler.codegen.c.Storage;
import dev.attnc.compiler.plan.TilePlan;

/**
 * One generated CUDA kernel: its text for NVRTC, the entry point, its arguments and how to launch
 * it. Launch: grid (query tiles, B·H) (the Hopper engine: persistent blocks over a tile order),
 * block ({@code threads}), {@code sharedBytes} of dynamic shared memory; the arguments are
 * {@code signature}'s, bound by name.
 */
public record CudaKernelSource(String attention, String text, String entry, Storage storage, int headDim,
        TilePlan tiles, CudaCodegen.Options options, KernelSignature signature, int threads, int sharedBytes) {}
