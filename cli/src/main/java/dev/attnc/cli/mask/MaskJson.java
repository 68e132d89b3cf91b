package dev.attnc.cli.mask;

import dev.attnc.kernel.BlockPlan;

/**
 * {@code attnc mask --json}, the contract of DESIGN.md:
 * {@code {"block":[BM,BN],"method":"...","counts":{"empty":E,"full":F,"partial":P},"grid":["EFP...", ...]}},
 * one string per query tile and one letter per key tile (E, F or P), for one slot of the plan.
 */
public final class MaskJson {
    private MaskJson() {}

    public static String of(BlockPlan plan, int slot) {
        long[] n = plan.counts(slot);
        StringBuilder s = new StringBuilder(64 + plan.qTiles * (plan.kvTiles + 3));
        s.append("{\"block\":[").append(plan.blockM).append(',').append(plan.blockN).append("],\"method\":\"")
                .append(plan.method).append("\",\"counts\":{\"empty\":").append(n[0]).append(",\"full\":").append(n[1])
                .append(",\"partial\":").append(n[2]).append("},\"grid\":[");
        for (int qt = 0; qt < plan.qTiles; qt++) {
            if (qt > 0) s.append(',');
            s.append('"');
            int row = slot * plan.qTiles + qt;
            int at = 0;
            for (int r = plan.runOffsets[row]; r < plan.runOffsets[row + 1]; r++) {
                s.repeat('E', plan.runStart[r] - at);
                s.repeat(plan.runPartial[r] ? 'P' : 'F', plan.runEnd[r] - plan.runStart[r]);
                at = plan.runEnd[r];
            }
            s.repeat('E', plan.kvTiles - at).append('"');
        }
        return s.append("]}").toString();
    }
}
