package dev.attnc.compiler.plan;

/**
 * How a kernel cuts the work: BLOCK_M queries by BLOCK_N keys per tile, and how many threads (or
 * warps) work on one query tile. Chosen per target from its capabilities (and by the autotuner),
 * part of every kernel's cache key.
 */
public record TilePlan(int blockM, int blockN, int warps) {
    public TilePlan {
        if (blockM < 1 || blockN < 1 || warps < 1) throw new IllegalArgumentException("bad tile plan " + blockM + "x" + blockN + "/" + warps);
    }

    public String describe() {
        return blockM + "x" + blockN + (warps > 1 ? "/" + warps + "w" : "");
    }
}
