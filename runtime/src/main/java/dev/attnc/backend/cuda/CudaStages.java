package dev.attnc.backend.cuda;

import dev.attnc.AttnInputException;
import dev.attnc.DType;
import dev.attnc.backend.BackendPolicy;
import dev.attnc.backend.KernelRequest;
import dev.attnc.backend.TuningTable;
import dev.attnc.compiler.codegen.c.Storage;
import dev.attnc.compiler.codegen.cuda.CudaBackwardCodegen;
import dev.attnc.compiler.codegen.cuda.CudaBackwardSource;
import dev.attnc.compiler.codegen.cuda.CudaCodegen;
import dev.attnc.compiler.codegen.cuda.CudaKernelSource;
import dev.attnc.compiler.target.BackendOptions;
import dev.attnc.compiler.target.Decision;
import dev.attnc.compiler.target.DeviceCaps;
import dev.attnc.compiler.target.TargetPolicy;
import dev.attnc.ffm.cuda.CompiledKernel;
import dev.attnc.ffm.cuda.CudaDevice;
import dev.attnc.ffm.cuda.Nvrtc;
import java.util.List;
import java.util.function.Function;
import java.util.function.ToLongFunction;

/**
 * The CUDA back end's stages, in the order every kernel passes them, written once for
 * {@link CudaBackend}, {@code attnc compile}, the autotuner and the benchmarks:
 * <ol>
 * <li>decide: {@link BackendPolicy#decisions} (the {@link TargetPolicy} on the GPU's capabilities);
 * <li>source: {@link #source} (no device needed, so {@code attnc compile --arch} prints it anywhere);
 * <li>binary: {@link #binary} (NVRTC: PTX and the cubin, no device needed);
 * <li>load: {@code CudaBackend.load} (the driver; spills are known only here, and {@link #pick}
 *     takes the policy's fallbacks in order).
 * </ol>
 */
public final class CudaStages {
    private CudaStages() {}

    /** What the policy knows of a GPU. */
    public static DeviceCaps.Cuda caps(CudaDevice device) {
        return new DeviceCaps.Cuda(device.major(), device.minor(), device.maxSharedPerBlockOptin());
    }

    /** The policy on {@code device} with its tuning table (kept per GPU kind and engine, as the winners differ). */
    public static BackendPolicy policy(CudaDevice device, BackendOptions options, TuningTable tuning) {
        DeviceCaps.Cuda caps = caps(device);
        String engine = TargetPolicy.usesHopper(caps, options) ? "hopper" : "mma";
        return new BackendPolicy(caps, options, tuning, device.name() + " " + engine);
    }

    /** The storage a request's kernel computes from first: fp32 runs as fp16 (the tensor cores' inputs; bf16 where fp16 overflows). */
    public static Storage storage(DType dtype) {
        return switch (dtype) {
            case BF16 -> Storage.BF16;
            case F16, F32 -> Storage.F16;
            default -> throw new AttnInputException("Q, K and V must be float32, float16 or bfloat16, not " + dtype.displayName());
        };
    }

    /** Stage 2: the kernel's CUDA C++. */
    public static CudaKernelSource source(KernelRequest request, Storage storage, Decision.Cuda decision) {
        return CudaCodegen.generate(request.attention(), storage, request.headDim(), request.valueDim(), decision.tiles(), decision.options());
    }

    /**
     * Stage 2 of the backward: its program of four kernels (CudaBackwardCodegen), on the engine of {@code build}
     * ({@link TargetPolicy#cudaBackward}: wgmma or mma.sync), in the form of dQ that {@link TargetPolicy#cudaBackwardForm}
     * chooses for the variant on that engine.
     */
    public static CudaBackwardSource backwardSource(KernelRequest request, Storage storage, Decision.Cuda build, BackendOptions options) {
        return CudaBackwardCodegen.generate(request.attention(), storage, request.headDim(), request.valueDim(),
                TargetPolicy.cudaBackwardForm(request.attention(), request.headDim(), build, options), build.options().engine(),
                build.options().fastMath());
    }

    /** Stage 2 of a decode call: its program of two kernels (CudaDecodeCodegen) at the plan's key tiles, as {@code build} decides. */
    public static dev.attnc.compiler.codegen.cuda.CudaDecodeSource decodeSource(KernelRequest request, Storage storage,
            TargetPolicy.CudaDecode decode, Decision.Cuda build) {
        return dev.attnc.compiler.codegen.cuda.CudaDecodeCodegen.generate(request.attention(), storage, request.headDim(),
                request.valueDim(), build.tiles().blockN(), decode.planQueryTile(), decode.stages(), build.options().fastMath());
    }

    /** A decision with its source. */
    public record Built(Decision.Cuda decision, CudaKernelSource source) {}

    /**
     * Stages 1 and 2 of a request, without a device: the policy's decisions with their sources,
     * in the order {@link CudaBackend} loads them (the first unless it spills). {@code attnc compile}
     * prints the first.
     */
    public static List<Built> sources(BackendPolicy policy, KernelRequest request, Storage storage) {
        return policy.decisions(request).stream().map(d -> (Decision.Cuda) d).map(d -> new Built(d, source(request, storage, d))).toList();
    }

    /** Stage 3: NVRTC's PTX and cubin, compiled with the decision's flags. */
    public static CompiledKernel binary(CudaKernelSource source, Decision.Cuda decision) {
        return binary(source.text(), source.entry() + ".cu", decision);
    }

    /** Stage 3 for any program text (the backward's too). */
    public static CompiledKernel binary(String text, String fileName, Decision.Cuda decision) {
        return Nvrtc.get().compile(text, fileName, decision.nvrtcFlags());
    }

    /**
     * Loads the built kernels in order and keeps the first whose kernel does not spill registers to
     * local memory; when all spill, the one that spills least (the earlier on a tie).
     */
    static <K> K pick(List<Built> built, Function<Built, K> load, ToLongFunction<K> localBytes) {
        K best = null;
        for (Built b : built) {
            K k = load.apply(b);
            if (localBytes.applyAsLong(k) == 0) return k;
            if (best == null || localBytes.applyAsLong(k) < localBytes.applyAsLong(best)) best = k;
        }
        return best;
    }
}
