package dev.attnc.cli.bench;

import dev.attnc.AttnInputException;
import dev.attnc.Check;
import dev.attnc.kernel.Sizes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code --results FILE}: an earlier {@code --json} read back, so its table and chart can be drawn
 * again (with peers merged) without timing anything anew: on a GPU lent by the minute, the bench
 * runs once, the peers once, and the merge costs nothing.
 */
public final class BenchJsonReader {
    private BenchJsonReader() {}

    public static BenchReport read(Path file) throws IOException {
        return parse(Files.readString(file));
    }

    public static BenchReport parse(String json) {
        if (!(Json.parse(json) instanceof Map<?, ?> top) || !(top.get("results") instanceof List<?> results)) {
            throw new AttnInputException("--results: expected the JSON of attnc bench --json");
        }
        List<Measurement> rows = new ArrayList<>();
        for (Object o : results) {
            Map<?, ?> r = (Map<?, ?>) o;
            double median = num(r, "median_ms");
            Stats st = Double.isNaN(median) ? null : new Stats((int) num(r, "runs", 0), median, num(r, "p10_ms"), num(r, "p90_ms"),
                    num(r, "min_ms"), num(r, "max_ms"));
            long kept = r.get("kept_pairs") instanceof Number n ? n.longValue() : -1;
            rows.add(new Measurement(str(r, "variant"), r.get("file") instanceof String f ? f : null, sizes(r.get("shape")), str(r, "dtype"),
                    str(r, "contender"), str(r, "kind"), st, kept, check(r.get("check")), r.get("note") instanceof String n ? n : null,
                    num(r, "first_call_ms"), num(r, "block_mask_ms")));
        }
        return new BenchReport(str(top, "target"), str(top, "device"), str(top, "dtype"), (int) num(top, "warmup", 0),
                num(top, "warmup_seconds", 0), (int) num(top, "runs", 0), rows,
                top.get("peers_device") instanceof String p ? p : null);
    }

    private static CheckResult check(Object o) {
        if (!(o instanceof Map<?, ?> c)) return null;
        Check.Report report = c.get("passed") instanceof Boolean
                ? new Check.Report(num(c, "max_err_o"), num(c, "max_err_lse"), num(c, "tolerance"), (long) num(c, "non_finite", 0),
                        (long) num(c, "out_of_tolerance", outOfToleranceBefore(c)))
                : null;
        Double peer = c.get("max_err_vs_attnc") instanceof Number n ? n.doubleValue() : null;
        return new CheckResult(report, c.get("shape") == null ? null : sizes(c.get("shape")), Boolean.TRUE.equals(c.get("reduced")), peer,
                c.get("skipped") instanceof String s ? s : null);
    }

    /** Files written before the count existed: a failed check without a non-finite element had one element out of tolerance. */
    private static double outOfToleranceBefore(Map<?, ?> c) {
        return Boolean.TRUE.equals(c.get("passed")) || num(c, "non_finite", 0) > 0 ? 0 : 1;
    }

    private static Sizes sizes(Object o) {
        if (!(o instanceof List<?> l) || l.size() != 6) throw new AttnInputException("--results: a shape must be [B,H,H_KV,Q_LEN,KV_LEN,D]");
        int[] v = l.stream().mapToInt(x -> ((Number) x).intValue()).toArray();
        return new Sizes(v[0], v[1], v[2], v[3], v[4], v[5]);
    }

    private static String str(Map<?, ?> m, String key) {
        if (!(m.get(key) instanceof String s)) throw new AttnInputException("--results: \"" + key + "\" is missing");
        return s;
    }

    private static double num(Map<?, ?> m, String key) {
        return num(m, key, Double.NaN);
    }

    private static double num(Map<?, ?> m, String key, double otherwise) {
        return m.get(key) instanceof Number n ? n.doubleValue() : otherwise;
    }
}
