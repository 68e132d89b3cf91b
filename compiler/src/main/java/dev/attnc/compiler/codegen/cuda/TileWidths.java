package dev.attnc.compiler.codegen.cuda;

import java.util.List;

/**
 * The widths of the mma.sync kernels' shared-memory tiles (cuda_tiles.stg: rows of 64-column
 * blocks, or one 32-column block), and the head dimensions each kernel takes. A head dimension D,
 * a multiple of 8 from 16 on, runs in the smallest width at least D whose row of 16-byte chunks the
 * block's threads load whole rows of at a time; the kernel pads it inside and never copies the
 * user's tensors: global rows stay D elements long and only D columns are read (cp.async of 0
 * source bytes for the padding up to a whole k16 step, which lands as zeros), the products run over
 * D rounded up to whole k16 steps, and only D columns of O are stored.
 *
 * @param kernel what a refusal names
 * @param max the largest head dimension the kernel takes
 */
public record TileWidths(String kernel, int max) {
    /** The smallest head dimension and the step between head dimensions (an ldmatrix row is 8 elements). */
    public static final int MIN = 16, STEP = 8;
    /** The swizzle's widths: 32 columns (64-byte rows), or whole 64-column blocks. */
    private static final List<Integer> WIDTHS = List.of(32, 64, 128, 192, 256);

    /** The forward on mma.sync. */
    public static final TileWidths FORWARD = new TileWidths("the CUDA backend", 256);
    /** The decode program. */
    public static final TileWidths DECODE = new TileWidths("the CUDA decode kernel", 256);
    /** The backward: dK and dV of 16 keys stay in registers (2 x D / 4 floats a thread), which D > 128 exceeds. */
    public static final TileWidths BACKWARD = new TileWidths("the CUDA backward", 128);
    /** The backward with a value dimension DV != D: each of D and DV a tile width's (CudaBackwardCodegen limits their sum). */
    public static final TileWidths BACKWARD_VALUE = new TileWidths("the CUDA backward with DV ≠ D", 256);

    /** Why this kernel cannot take head dimension {@code d} (padded or not), or null when it can. */
    public String unsupported(int d) {
        if (d >= MIN && d % STEP == 0 && d <= max) return null;
        return kernel + " supports head dimensions that are multiples of " + STEP + " from " + MIN + " to " + max + ", not " + d;
    }

    /**
     * The width of the shared tiles for head dimension {@code d} (one this kernel takes) in a block of
     * {@code threads}: 192 columns (24 chunks a row) only where the threads are a multiple of 24.
     */
    public int of(int d, int threads) {
        for (int w : WIDTHS) if (w >= d && threads % (w / 8) == 0) return w;
        throw new IllegalArgumentException(unsupported(d) != null ? unsupported(d) : "no tile width for D = " + d + " in " + threads + " threads");
    }

    /** Whether the kernel pads head dimension {@code d} in a block of {@code threads}. */
    public boolean padded(int d, int threads) {
        return of(d, threads) != d;
    }

    /**
     * Whether the unpadded wgmma kernels (the forward's FA2 loop, the backward) take head dimension
     * {@code d}: whole 64-column blocks, which the wgmma descriptors address as they are. Other D run
     * on mma.sync there (TargetPolicy); the Hopper forward pads ({@link #hopper}).
     */
    public static boolean wgmma(int d) {
        return d % 64 == 0 && d <= 256;
    }

    /**
     * The Hopper forward's tile width for a head or value dimension {@code d}: {@code d} rounded up to
     * whole 64-column TMA boxes (the 128-byte swizzle's span); the boxes' columns past {@code d} are
     * outside the tensor map and land in shared memory as zeros.
     */
    public static int hopper(int d) {
        return (d + 63) / 64 * 64;
    }
}
