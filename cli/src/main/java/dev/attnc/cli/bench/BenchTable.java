package dev.attnc.cli.bench;

import dev.attnc.Check;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The results as text: a header saying where and how it ran, one table row per contender of each
 * (variant, shape) with median and spread, GFLOP/s (TFLOP/s when any reaches 1000 GFLOP/s), attnc's
 * speed-up over that contender (its median over attnc's: above 1 attnc is faster) and the check;
 * then the one-time costs (compile, block plan / create_block_mask) and notes.
 */
public final class BenchTable {
    private BenchTable() {}

    public static String render(BenchReport r) {
        StringBuilder s = new StringBuilder();
        s.append(String.format(Locale.ROOT, "attnc bench on %s: %s; %s; kernel time of %d runs (median, p10-p90) after %d warm-up runs "
                + "and at least %.1f s of them%n", r.target(), r.device(), r.dtype(), r.runs(), r.warmup(), r.warmupSeconds()));
        if (r.peersDevice() != null) {
            s.append("peers measured on ").append(r.peersDevice());
            // attnc's device string adds details ("NVIDIA H100 80GB HBM3 (sm_90, ...)"): compare the names
            if (!r.device().startsWith(r.peersDevice())) s.append(" (another device than attnc's: their ratios compare machines)");
            s.append('\n');
        }
        s.append('\n');
        boolean tera = Units.tera(r.rows());
        TextTable t = new TextTable("variant", "shape B,H,H_KV,Q,KV,D", "kept>", "contender", "median ms>", "p10-p90 ms>",
                (tera ? "TFLOP/s" : "GFLOP/s") + ">", "attnc speed-up>", "check (max abs err)");
        List<String> notes = new ArrayList<>();
        Set<String> reduced = new LinkedHashSet<>();
        for (List<Measurement> group : groups(r.rows()).values()) {
            Measurement attnc = group.stream().filter(m -> m.kind().equals("attnc")).findFirst().orElse(null);
            boolean first = true;
            for (Measurement m : group) {
                String speedup = attnc == null || m == attnc || m.stats() == null || attnc.stats() == null ? ""
                        : String.format(Locale.ROOT, "%.2fx", m.medianMs() / attnc.medianMs());
                Stats st = m.stats();
                t.row(first ? m.variant() : "", first ? Shapes.text(m.sizes()) + (r.dtype().equals(m.dtype()) ? "" : " " + m.dtype()) : "",
                        first ? percent(m.density()) : "", m.contender(),
                        st == null ? "-" : ms(st.medianMs()),
                        st == null || Double.isNaN(st.p10Ms()) ? "" : ms(st.p10Ms()) + "-" + ms(st.p90Ms()),
                        st == null ? "-" : Units.rate(m.gflops(), tera), speedup, check(m.check(), reduced));
                if (m.note() != null && (st == null || !m.note().startsWith("checked at"))) {
                    notes.add(m.variant() + " " + Shapes.text(m.sizes()) + ", " + m.contender() + ": " + m.note());
                }
                if (m.check() != null && m.check().skipped() != null && m.check().report() == null && m.check().peerMaxError() == null
                        && !m.kind().equals("peer")) {
                    notes.add(m.variant() + " " + Shapes.text(m.sizes()) + ", " + m.contender() + ": " + m.check().skipped());
                }
                first = false;
            }
        }
        s.append(t.render());
        for (String x : reduced) s.append('\n').append(x);
        if (!reduced.isEmpty()) s.append('\n');
        String costs = oneTimeCosts(r);
        if (!costs.isEmpty()) s.append('\n').append(costs);
        if (!notes.isEmpty()) {
            s.append("\nnotes:\n");
            for (String n : notes) s.append("- ").append(n).append('\n');
        }
        return s.toString();
    }

    /** Rows by (variant, shape, dtype) in first-seen order; within a group attnc, handwritten, peers. */
    static Map<String, List<Measurement>> groups(List<Measurement> rows) {
        Map<String, List<Measurement>> g = new LinkedHashMap<>();
        for (Measurement m : rows) g.computeIfAbsent(m.group(), k -> new ArrayList<>()).add(m);
        for (List<Measurement> l : g.values()) {
            l.sort(java.util.Comparator.comparingInt(m -> switch (m.kind()) {
                case "attnc" -> 0;
                case "handwritten" -> 1;
                default -> 2;
            }));
        }
        return g;
    }

    private static String check(CheckResult c, Set<String> reduced) {
        if (c == null) return "";
        if (c.peerMaxError() != null) return String.format(Locale.ROOT, "vs attnc O %.1e", c.peerMaxError());
        if (c.report() == null) return "-";
        Check.Report r = c.report();
        String mark = "";
        if (c.reduced()) {
            mark = "*";
            reduced.add(String.format(Locale.ROOT, "* checked against the reference interpreter at Q_LEN=%d KV_LEN=%d (same variant, B, H, D; "
                    + "new random inputs): the double-precision reference is too slow at full size", c.checked().Q_LEN(), c.checked().KV_LEN()));
        }
        String err = String.format(Locale.ROOT, "%.1e", Math.max(r.maxErrorO(), r.maxErrorLse()));
        if (r.passed()) return "ok" + mark + " " + err;
        return "FAILED" + mark + " " + err + (r.nonFinite() > 0 ? ", " + r.nonFinite() + " non-finite" : "") + String.format(Locale.ROOT, " (tol %.0e)", r.tolerance());
    }

    private static String oneTimeCosts(BenchReport r) {
        TextTable t = new TextTable("variant", "shape", "contender", "first call ms>", "block mask ms>");
        for (List<Measurement> group : groups(r.rows()).values()) {
            for (Measurement m : group) {
                if (Double.isNaN(m.prepareMs()) && Double.isNaN(m.planMs())) continue;
                t.row(m.variant(), Shapes.text(m.sizes()), m.contender(), ms(m.prepareMs()), ms(m.planMs()));
            }
        }
        if (t.isEmpty()) return "";
        return "one-time costs: attnc's first prepare (kernel compile or cache load, and block plan) and its block plan alone;\n"
                + "a peer's first call (torch.compile) and create_block_mask\n\n" + t.render();
    }

    private static String percent(double d) {
        if (Double.isNaN(d)) return "-";
        return d >= 0.995 ? String.format(Locale.ROOT, "%.0f%%", 100 * d) : String.format(Locale.ROOT, "%.1f%%", 100 * d);
    }

    static String ms(double v) {
        if (Double.isNaN(v)) return "-";
        if (v >= 100) return String.format(Locale.ROOT, "%.1f", v);
        if (v >= 1) return String.format(Locale.ROOT, "%.2f", v);
        return String.format(Locale.ROOT, "%.3f", v);
    }
}
