package dev.attnc.compiler.plan;

/**
 * The measured tables behind the default tile plan of each target: the CPU's cache-sized square
 * tiles; an OpenCL device's work-group and local-memory limits; a CUDA GPU's tensor-core tiles
 * (FlashAttention-2's 128×64). Only {@code dev.attnc.compiler.target.TargetPolicy} reads them
 * (with the tuned winner, the mask's density and the forced options); everything else asks it.
 */
public final class TilePlans {
    private TilePlans() {}

    /** 64×64: one tile of S (16 KiB of floats) and the K/V tiles stay in a core's L1/L2. */
    public static TilePlan java(int headDim) {
        return new TilePlan(64, 64, 1);
    }

    /**
     * 32 query rows per work-group (fewer if the device allows fewer work-items) by 32 keys, fewer
     * keys when the K and V tiles would not fit in half of the local memory.
     */
    public static TilePlan opencl(int headDim, long maxWorkGroupSize, long localMemBytes) {
        int blockM = (int) Math.min(32, Long.highestOneBit(Math.max(1, maxWorkGroupSize)));
        int blockN = 32;
        while (blockN > 1 && 2L * blockN * headDim * Float.BYTES > localMemBytes / 2) blockN /= 2;
        return new TilePlan(blockM, blockN, 1);
    }

    /**
     * A CUDA GPU of compute capability {@code major}: on Hopper (sm_90, the warp-specialized wgmma
     * kernel, which the policy asks with the D it pads to, a multiple of 64) 192 query rows (three
     * consumer warpgroups) by 128 keys for D = 64, 128 rows (two) by 128 keys for D = 128, by 64 keys above
     * (the K and V rings must fit in shared memory); elsewhere (mma.sync) 128×64, with 8 warps of
     * 16 rows at D = 32 and 4 warps of 32 rows up to D = 128; above that 64×64 with 4 warps.
     * docs/cuda-notes.md has the register counts and timings behind these; the autotuner
     * ({@code attnc tune}) replaces them per device, head dimension and variant class.
     */
    public static TilePlan cuda(int headDim, int major) {
        if (major >= 9 && headDim % 64 == 0) {
            if (headDim <= 64) return new TilePlan(192, 128, 12);
            return headDim <= 128 ? new TilePlan(128, 128, 8) : new TilePlan(128, 64, 8);
        }
        if (headDim <= 32) return new TilePlan(128, 64, 8);
        if (headDim <= 128) return new TilePlan(128, 64, 4);
        return new TilePlan(64, 64, 4);
    }

    /**
     * The CUDA default for a mask that keeps {@code keptTiles} of the tiles (its block plan under
     * {@code tiles}). Hopper, D ≤ 64: 192 x 128 (three consumer warpgroups) takes 64-key tiles when
     * the mask keeps at most 40 % of the tiles, and 128 query rows when it keeps at most 25 %.
     * Measured at B=8 H=16 S=2048 D=64 on the H100 (TFLOP/s; 192x128, 192x64 with three stages,
     * 128x128): document 151, 165, 156; sliding window 122, 129, 137; causal 331, 304, 311;
     * prefix-LM 343, 312, 322 (docs/benchmarks.md).
     */
    public static TilePlan cudaForMask(TilePlan tiles, int headDim, double keptTiles) {
        if (headDim > 64 || tiles.blockM() != 192 || tiles.blockN() != 128) return tiles;
        if (keptTiles <= 0.25) return new TilePlan(128, 128, 8);
        return keptTiles <= 0.4 ? new TilePlan(192, 64, 12) : tiles;
    }

    /** BMxBN or BMxBN/W, as written on the command line. */
    public static TilePlan parse(String text) {
        String[] p = text.split("[x/]");
        if (p.length < 2 || p.length > 3) throw new IllegalArgumentException("a tile plan is BMxBN or BMxBN/W, not " + text);
        return new TilePlan(Integer.parseInt(p[0].trim()), Integer.parseInt(p[1].trim()), p.length == 3 ? Integer.parseInt(p[2].trim()) : 1);
    }
}
