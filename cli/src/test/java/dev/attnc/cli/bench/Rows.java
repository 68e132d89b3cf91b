package dev.attnc.cli.bench;

import dev.attnc.Check;
import dev.attnc.kernel.Sizes;
import java.util.List;

/** Made-up rows for the formatting tests. */
final class Rows {
    private Rows() {}

    static final Sizes S64 = new Sizes(1, 4, 4, 1024, 1024, 64);
    static final Sizes S128 = new Sizes(1, 4, 4, 1024, 1024, 128);
    static final long FULL_PAIRS = 4L * 1024 * 1024;

    static Measurement row(String variant, Sizes s, String contender, String kind, double ms, long pairs, CheckResult check) {
        return new Measurement(variant, "samples/" + variant + ".attn", s, "float32", contender, kind,
                new Stats(5, ms, ms * 0.9, ms * 1.1, ms * 0.8, ms * 1.2), pairs, check, null,
                kind.equals("attnc") ? 12.5 : Double.NaN, kind.equals("attnc") ? 0.5 : Double.NaN);
    }

    static CheckResult ok(Sizes s) {
        return CheckResult.of(new Check.Report(1e-6, 2e-6, 2e-3, 0, 0), s, false);
    }

    /** full at D=64: attnc 10 ms, the handwritten kernel 5 ms; causal at D=128 checked on a reduced shape, and failed. */
    static BenchReport report() {
        Sizes reduced = new Sizes(1, 4, 4, 256, 256, 128);
        return new BenchReport("java", "CPU (2 cores)", "float32", 3, 1.0, 5, List.of(
                row("full", S64, "attnc", "attnc", 10, FULL_PAIRS, ok(S64)),
                row("full", S64, "handwritten java", "handwritten", 5, FULL_PAIRS, ok(S64)),
                row("causal", S128, "attnc", "attnc", 8, FULL_PAIRS / 2 + 2048,
                        CheckResult.of(new Check.Report(0.5, 1e-6, 2e-3, 3, 1), reduced, true))), null);
    }
}
