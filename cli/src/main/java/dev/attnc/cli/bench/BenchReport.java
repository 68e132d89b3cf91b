package dev.attnc.cli.bench;

import java.util.List;

/**
 * All results of one {@code attnc bench}: where it ran, how, every row (attnc, handwritten kernels
 * and merged peers), and the device the peers ran on (null without {@code --peers}).
 */
public record BenchReport(String target, String device, String dtype, int warmup, double warmupSeconds, int runs, List<Measurement> rows,
        String peersDevice) {
    public boolean anyCheckFailed() {
        return rows.stream().anyMatch(r -> r.check() != null && r.check().failed());
    }

    public boolean anyError() {
        return rows.stream().anyMatch(r -> r.stats() == null && r.note() != null && r.note().startsWith("error"));
    }

    public BenchReport withPeers(List<Measurement> peers, String device) {
        List<Measurement> all = new java.util.ArrayList<>(rows);
        all.addAll(peers);
        return new BenchReport(target, this.device, dtype, warmup, warmupSeconds, runs, all, device);
    }
}
