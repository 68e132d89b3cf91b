package dev.attnc.backend;

import dev.attnc.DType;
import dev.attnc.kernel.Sizes;
import dev.attnc.compiler.ir.Attention;
import dev.attnc.compiler.plan.TilePlan;
import dev.attnc.kernel.BlockPlan;
import java.util.List;
import java.util.function.Function;

/**
 * A place kernels run: the CPU (generated Java), an OpenCL device, a CUDA GPU. Backends differ in
 * the code they generate and how they drive their device, not in what a kernel means.
 */
public interface Backend extends AutoCloseable {
    /** Whether this backend's backward kernels know every normalisation (sinks and sigmoid), not softmax alone. */
    default boolean backwardNormalizes() {
        return false;
    }

    /**
     * Refuses an attention whose normalisation this backend's backward does not know
     * ({@link #backwardNormalizes}), rather than give it a softmax's gradients. Asked before any
     * work ({@code AttentionKernel.backward}) and by {@link #compileBackward}.
     */
    default void requireBackward(Attention a) {
        if (!a.softmax() && !backwardNormalizes()) {
            throw new dev.attnc.AttnInputException("the backward of normalize = " + a.normalization().word() + " is not supported yet");
        }
    }

    /** "java", "opencl" or "cuda". */
    String name();

    /** The device in words, e.g. "CPU (2 cores, Vector API 256-bit)" or "NVIDIA H100 80GB HBM3". */
    String device();

    /** The target policy on this backend's device: every choice of tiles and build options comes from it. */
    BackendPolicy policy();

    /** The tile plan this backend uses by default for a head dimension (its capabilities decide). */
    default TilePlan tilePlan(int headDim) {
        return policy().defaultTiles(headDim);
    }

    /** The tiles a call runs with and its block plan under them. */
    record Planned(TilePlan tiles, BlockPlan plan) {}

    /** What a call of this attention runs with: {@link BackendPolicy#plan}. */
    default Planned plan(Attention attention, DType dtype, int headDim, Function<TilePlan, BlockPlan> planner) {
        return policy().plan(attention, dtype, headDim, planner);
    }

    /** Tile plans worth timing for a head dimension (the autotuner's candidates), the default first. */
    default List<TilePlan> tileCandidates(int headDim) {
        return policy().candidates(headDim);
    }

    /** Remembers the autotuner's winner for this attention's variant class; false where the backend keeps no table. */
    default boolean rememberTiles(Attention attention, DType dtype, int headDim, TilePlan winner) {
        return policy().remember(attention, dtype, headDim, winner);
    }

    /**
     * Why this backend cannot run a call of these sizes in this storage dtype, or null: a head
     * dimension its kernels do not support, or more memory than it has ({@link Capacity}). Asked
     * before inputs are allocated or kernels compiled.
     */
    default String unsupported(Sizes sizes, DType storage) {
        return null;
    }

    /**
     * Why this backend cannot run the backward pass of a call that {@link #unsupported} accepts, or
     * null: the backward's own buffers (gradients, packed copies, partial sums) beyond its memory, or
     * its kernels beyond the device's limits under the forward's {@code tiles}. {@code paramFloats}:
     * the elements of the float parameters (the most that can get a gradient). Asked before the
     * backward allocates or compiles.
     */
    default String unsupportedBackward(Sizes sizes, DType storage, dev.attnc.compiler.plan.TilePlan tiles, long paramFloats) {
        return null;
    }

    /**
     * Why this backend cannot run a call with paged K/V ({@code Tensor.paged}) or per-sequence
     * lengths ({@code kvLens}), or null when it can. Asked before any work.
     */
    default String unsupportedRagged(Sizes sizes) {
        return "the " + name() + " backend does not run paged K/V or per-sequence lengths (kvLens) yet; use java or opencl";
    }

    /**
     * The tiles of the backward pass of a forward kernel at {@code forwardTiles}: the block plan the
     * backward walks is made for them ({@code AttentionKernel.backward} plans it through the plan cache).
     */
    default TilePlan backwardTiles(TilePlan forwardTiles) {
        return forwardTiles;
    }

    /** Compiles (or takes from the cache) a kernel. */
    CompiledKernel compile(KernelRequest request);

    /**
     * Compiles (or takes from the cache) the backward pass of a forward kernel's request: dQ, dK, dV
     * and parameter gradients ({@link dev.attnc.compiler.grad.Gradient}).
     */
    default BackwardKernel compileBackward(KernelRequest request) {
        throw new dev.attnc.AttnInputException("the " + name() + " backend has no backward pass yet");
    }

    /**
     * Zero-filled memory of {@code bytes} on this backend's device, for {@link dev.attnc.DeviceTensor}.
     * {@code host}, when not null, is a host tensor's memory of that size: a backend whose device memory is
     * the host's may use it as it is (no copy) instead of allocating; others allocate and copy it.
     */
    default DeviceMemory allocate(long bytes, java.lang.foreign.MemorySegment host) {
        throw new dev.attnc.AttnInputException("the " + name() + " backend keeps no tensors on its device");
    }

    /**
     * Device memory that another library owns (a raw device pointer of {@code bytes}), used where it
     * lies and never freed here. Only the cuda backend has device pointers.
     */
    default DeviceMemory wrap(long address, long bytes) {
        throw new dev.attnc.AttnInputException("the " + name() + " backend cannot wrap a raw device pointer; only the cuda backend can");
    }

    /**
     * Runs this backend's launches, memsets and timings on a stream another library owns (a
     * {@code CUstream} / {@code cudaStream_t} handle; 0 goes back to the backend's own stream).
     * Only the cuda backend has streams.
     */
    default void useStream(long stream) {
        throw new dev.attnc.AttnInputException("the " + name() + " backend has no streams; only the cuda backend takes one");
    }

    @Override
    default void close() {}
}
