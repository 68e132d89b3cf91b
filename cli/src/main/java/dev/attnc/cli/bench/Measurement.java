package dev.attnc.cli.bench;

import dev.attnc.kernel.Sizes;

/**
 * One row of the results: a contender (attnc, a handwritten kernel or a peer) on one variant,
 * shape and dtype. {@code stats} is null when it did not run ({@code note} says why; peers bring
 * only a median). FLOPs count 4·D per kept pair (2·D for QKᵀ, 2·D for PV), the same for everybody.
 *
 * @param kind "attnc", "handwritten", "peer", or "backward" / "forward+backward" (attnc's, with --backward)
 * @param keptPairs kept (q, kv) pairs over all batches and heads; -1 when unknown
 * @param prepareMs the one-time cost before the first run: attnc's first prepare (kernel compile and
 *     block plan), a peer's compile latency (torch.compile's first call); NaN when not measured
 * @param planMs building the block mask alone: attnc's block plan, FlexAttention's create_block_mask
 */
public record Measurement(String variant, String file, Sizes sizes, String dtype, String contender, String kind,
        Stats stats, long keptPairs, CheckResult check, String note, double prepareMs, double planMs) {

    public double medianMs() {
        return stats == null ? Double.NaN : stats.medianMs();
    }

    /** 4·D per kept pair; 2.5 times that for a backward row, 3.5 times for forward + backward (FlashAttention's count). */
    public double flops() {
        double times = switch (kind) {
            case "backward" -> 2.5;
            case "forward+backward" -> 3.5;
            default -> 1.0;
        };
        return keptPairs < 0 ? Double.NaN : times * 4.0 * sizes.D() * keptPairs;
    }

    public double density() {
        return keptPairs < 0 ? Double.NaN : (double) keptPairs / ((double) sizes.B() * sizes.H() * sizes.Q_LEN() * sizes.KV_LEN());
    }

    /** GFLOP/s at the median time. */
    public double gflops() {
        return flops() / (medianMs() * 1e-3) / 1e9;
    }

    /** Which (variant, shape, dtype) this row belongs to, for grouping and ratios. */
    public String group() {
        return variant + "|" + Shapes.text(sizes) + "|" + dtype;
    }
}
