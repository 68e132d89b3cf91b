package dev.attnc.cli.bench;

import dev.attnc.Check;
import dev.attnc.kernel.Sizes;

/**
 * How one contender's output compared: against the reference interpreter (attnc and the handwritten
 * kernels; on {@code checked} sizes, which are smaller than the timed ones when {@code reduced}),
 * or against attnc's O (peers, who report only a max error), or not at all ({@code skipped} says why).
 */
public record CheckResult(Check.Report report, Sizes checked, boolean reduced, Double peerMaxError, String skipped) {
    public static CheckResult of(Check.Report report, Sizes checked, boolean reduced) {
        return new CheckResult(report, checked, reduced, null, null);
    }

    public static CheckResult peer(Double maxError) {
        return new CheckResult(null, null, false, maxError, maxError == null ? "not reported" : null);
    }

    public static CheckResult skipped(String why) {
        return new CheckResult(null, null, false, null, why);
    }

    /** False only for a check that ran and failed (peers are not judged: their tolerance is theirs). */
    public boolean failed() {
        return report != null && !report.passed();
    }
}
