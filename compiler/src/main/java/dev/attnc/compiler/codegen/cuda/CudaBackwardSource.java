package dev.attnc.compiler.codegen.cuda;

import dev.attnc.compiler.codegen.BackwardSignature;
import dev.attnc.compiler.codegen.KernelSignature;
import dev.attnc.compiler.codegen.c.ParamArg;
import dev.attnc.compiler.codegen.c.Storage;
import dev.attnc.compiler.plan.TilePlan;
import java.util.List;

/**
 * The generated CUDA C++ of one attention's backward pass ({@link CudaBackwardCodegen}): one program
 * of four kernels, each with its signature (bound by name), launched in this order:
 * <ul>
 * <li>{@link #DELTA}: blocks of 256 threads, 8 query rows a warp: grid (⌈Q_LEN / {@link #DELTA_ROWS}⌉, B·H); in the
 *     {@link DqForm#ATOMIC} form it also zeroes dQaccum; for the warp-specialized kernel it also zeroes its unit
 *     counter and writes {@link BackwardSignature#TILE_STATS_OUT} (a block a tile);
 * <li>{@link #DKDV} (or {@link #dkdvEntry}'s choice): grid (key tiles, B·H_KV), {@link #dkdvThreads} threads, {@link #sharedBytes} dynamic
 *     shared memory, over the transposed plan of {@link #tiles}; in the {@link DqForm#ATOMIC} form it
 *     also adds into dQaccum (float32 [B, H, Q_LEN, D], zeroed by Δ) and the parameters' partials,
 *     one slot per (b, KV head, key, lane of the quad); the warp-specialized kernel ({@link #HOPPER_THREADS}) is
 *     persistent instead: a grid of min(units, SMs) blocks over the units (key tile, b, KV head), which take them from
 *     a counter ({@link BackwardSignature#DKDV_UNITS}) that Δ zeroes;
 * <li>{@link #dqEntry()}: grid (query tiles, B·H), {@link #THREADS} threads, {@link #dqSharedBytes()}:
 *     {@link #DQ} over the forward plan of {@link #tiles}, or {@link #DQ_CONVERT} (dQaccum into dQ);
 * <li>{@link #REDUCE}: once per parameter in {@code withGradient} (unless atomic), one block of 256 threads
 *     per element, 1 KiB of dynamic shared memory.
 * </ul>
 * From sm_90 the second and third are programmatic dependent launches (each waits in the kernel for the one before).
 *
 * @param tiles the block plan's tiles (64 x 64: both kernels' tiles are 64 rows; the warp-specialized dK/dV kernel's 64 x 128,
 *     whose transposed plan is over key blocks of 128)
 * @param dq the signature of {@link #dqEntry()}
 * @param withGradient the parameters that get a gradient, in declaration order
 * @param dkdvThreads threads of a dK/dV block: {@link #THREADS}, or {@link #HOPPER_THREADS} warp-specialized
 * @param atomicSumsEntry whether the program has {@link #DKDV_ATOMIC_PARAMS}, the dK/dV kernel with its
 *     argument {@code atomic_params} fixed to 1 (the same signature), to launch in its place where the
 *     parameters' gradients are summed with atomics
 */
public record CudaBackwardSource(String attention, String text, Storage storage, int headDim, TilePlan tiles, DqForm form,
        KernelSignature delta, KernelSignature dkdv, KernelSignature dq, KernelSignature reduce, List<ParamArg> withGradient,
        int sharedBytes, int dkdvThreads, boolean atomicSumsEntry) {
    public static final String DELTA = "attnc_bwd_delta";
    public static final String DKDV = "attnc_bwd_dkdv";
    public static final String DKDV_ATOMIC_PARAMS = "attnc_bwd_dkdv_atomic_params";
    public static final String DQ = "attnc_bwd_dq";
    public static final String DQ_CONVERT = "attnc_bwd_dq_convert";
    public static final String REDUCE = "attnc_bwd_reduce";
    /** Query rows of a {@link #DELTA} block (256 threads, 8 rows a warp). */
    public static final int DELTA_ROWS = 64;
    /** Threads of a dK/dV or dQ block: four warps of 16 rows. */
    public static final int THREADS = 128;
    /** Threads of a warp-specialized dK/dV block: a producer warpgroup and two consumers. */
    public static final int HOPPER_THREADS = 384;

    public CudaBackwardSource {
        withGradient = List.copyOf(withGradient);
    }

    /** The kernel that writes dQ, third in order: the dQ kernel, or the conversion of dQaccum. */
    public String dqEntry() {
        return switch (form) {
            case ATOMIC -> DQ_CONVERT;
            case DETERMINISTIC -> DQ;
        };
    }

    /** The program's dK/dV kernels: {@link #DKDV}, and {@link #DKDV_ATOMIC_PARAMS} where it has that instance. */
    public List<String> dkdvEntries() {
        return atomicSumsEntry ? List.of(DKDV, DKDV_ATOMIC_PARAMS) : List.of(DKDV);
    }

    /** The dK/dV kernel to launch: {@link #DKDV_ATOMIC_PARAMS} where the program has it and the parameters' sums are atomic. */
    public String dkdvEntry(boolean atomicParams) {
        return atomicParams && atomicSumsEntry ? DKDV_ATOMIC_PARAMS : DKDV;
    }

    /** Dynamic shared memory of {@link #dqEntry()}: the conversion's, its 64 rows of dQ on their way out ([64][D + 8] 16-bit values). */
    public int dqSharedBytes() {
        return switch (form) {
            case ATOMIC -> 64 * (headDim + 8) * 2;
            case DETERMINISTIC -> sharedBytes;
        };
    }
}
