package dev.attnc.compiler.codegen.cuda;

import dev.attnc.compiler.codegen.KernelSignature;
import dev.attnc.compiler.codegen.c.Storage;

/**
 * The generated CUDA C++ of one attention's decode program ({@link CudaDecodeCodegen}): two kernels,
 * each with its signature (bound by name), launched in this order:
 * <ul>
 * <li>{@link #DECODE}: grid (splits, B·H_KV·(H / H_KV / heads_packed)), {@link #THREADS} threads,
 *     {@link #sharedBytes} of dynamic shared memory; writes O and LSE with one split, else partials;
 * <li>{@link #COMBINE} (only with more than one split): grid B·H·Q_LEN, 128 threads, 4 bytes of dynamic shared
 *     memory a split.
 * </ul>
 *
 * @param blockN the block plan's key tiles the program walks (the forward kernel's, so both share one plan)
 * @param stages the cp.async ring depth of each warp
 */
public record CudaDecodeSource(String attention, String text, Storage storage, int headDim, int blockN, int stages,
        KernelSignature decode, KernelSignature combine, int sharedBytes) {
    public static final String DECODE = "attnc_decode";
    public static final String COMBINE = "attnc_decode_combine";
    public static final int THREADS = 128;
    /** Rows of one block: one m16 tile of query rows (HEADS_PACKED · Q_LEN of them are used). */
    public static final int ROWS = 16;
}
