package dev.attnc.backend.opencl;

import dev.attnc.AttnInputException;
import dev.attnc.DType;
import dev.attnc.backend.KernelRequest;
import dev.attnc.compiler.codegen.c.Storage;
import dev.attnc.compiler.codegen.opencl.OpenClBackwardCodegen;
import dev.attnc.compiler.codegen.opencl.OpenClBackwardKernel;
import dev.attnc.compiler.codegen.opencl.OpenClCodegen;
import dev.attnc.compiler.codegen.opencl.OpenClKernel;
import dev.attnc.compiler.target.DeviceCaps;
import dev.attnc.ffm.opencl.ClDevice;

/**
 * The OpenCL back end's stages, written once for {@link OpenClBackend} and {@code attnc compile}:
 * decide ({@link dev.attnc.backend.BackendPolicy} on the device's work-group and local-memory
 * limits: tiles and build options), source ({@link #source}: OpenCL C, no device needed), binary
 * ({@link ProgramCache#get}: clBuildProgram, or the program binary from the disk cache) and load
 * (the program's kernel, checked against the device's work-group limit, in {@link OpenClBackend#compile}).
 */
public final class OpenClStages {
    private OpenClStages() {}

    /** What the policy knows of an OpenCL device. */
    public static DeviceCaps.OpenCl caps(ClDevice device) {
        return new DeviceCaps.OpenCl(device.maxWorkGroupSize(), device.localMemBytes());
    }

    /** The kernel's OpenCL C. */
    public static OpenClKernel source(KernelRequest request) {
        return OpenClCodegen.generate(request.attention(), storage(request.dtype()), request.headDim(), request.valueDim(), request.tiles());
    }

    /** The kernel's split-KV form for decode steps (its own program; the kernel's own text is unchanged). */
    public static OpenClKernel splitKvSource(KernelRequest request) {
        return OpenClCodegen.generate(request.attention(), storage(request.dtype()), request.headDim(), request.valueDim(), request.tiles(), true);
    }

    /** The backward pass's OpenCL C (one program of four kernels) for the forward kernel of {@code request}. */
    public static OpenClBackwardKernel backwardSource(KernelRequest request) {
        return OpenClBackwardCodegen.generate(request.attention(), storage(request.dtype()), request.headDim(), request.valueDim(), request.tiles());
    }

    static Storage storage(DType dtype) {
        return switch (dtype) {
            case F32 -> Storage.F32;
            case F16 -> Storage.F16;
            case BF16 -> Storage.BF16;
            default -> throw new AttnInputException("Q, K and V must be float32, float16 or bfloat16, not " + dtype.displayName());
        };
    }
}
