package dev.attnc.cli.bench;

import dev.attnc.AttnInputException;
import dev.attnc.DType;
import dev.attnc.kernel.Sizes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code --peers FILE}: PyTorch's results (bench/peers/torch_peers.py) as rows beside attnc's.
 * The file: {@code {"device":..., "results":[{"variant","shape","dtype","contender","median_ms",
 * "tflops","max_err"}, ...]}}, optionally {@code "compile_s"}, {@code "block_mask_ms"} and
 * {@code "kept_pairs"} per result; a shape is [B,H,H_KV,Q_LEN,KV_LEN,D] or that as a string. Rows
 * match attnc's by variant, shape and dtype, and take attnc's kept-pair count there, so that every
 * contender's FLOPs are counted alike.
 */
public final class Peers {
    private Peers() {}

    /** The device the peers ran on, and their rows. */
    public record Loaded(String device, List<Measurement> rows) {}

    public static Loaded read(Path file, List<Measurement> ours) throws IOException {
        return parse(Files.readString(file), ours);
    }

    public static Loaded parse(String json, List<Measurement> ours) {
        if (!(Json.parse(json) instanceof Map<?, ?> top) || !(top.get("results") instanceof List<?> results)) {
            throw new AttnInputException("--peers: expected {\"device\": ..., \"results\": [...]}");
        }
        Map<String, Long> pairs = new HashMap<>();
        for (Measurement m : ours) if (m.keptPairs() >= 0) pairs.putIfAbsent(m.group(), m.keptPairs());
        List<Measurement> rows = new ArrayList<>();
        for (Object o : results) {
            if (!(o instanceof Map<?, ?> r)) throw new AttnInputException("--peers: each result must be an object");
            if (r.get("median_ms") == null && r.get("error") == null) continue;
            String variant = text(r, "variant");
            Sizes s = shape(r.get("shape"));
            String dtype = DType.parse(text(r, "dtype")).displayName();
            String contender = text(r, "contender");
            double median = number(r, "median_ms");
            Measurement probe = new Measurement(variant, null, s, dtype, contender, "peer", null, -1, null, null, Double.NaN, Double.NaN);
            long kept = pairs.getOrDefault(probe.group(), -1L);
            if (kept < 0 && r.get("kept_pairs") instanceof Number n) kept = n.longValue();
            if (kept < 0 && r.get("tflops") instanceof Number tf && !Double.isNaN(median)) {
                kept = Math.round(tf.doubleValue() * 1e12 * median * 1e-3 / (4.0 * s.D())); // their own count
            }
            Stats st = Double.isNaN(median) ? null : new Stats(0, median, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
            Double err = r.get("max_err") instanceof Number n ? n.doubleValue() : null;
            String note = r.get("error") instanceof String e ? "error: " + e : null;
            rows.add(new Measurement(variant, null, s, dtype, contender, "peer", st, kept, CheckResult.peer(err), note,
                    number(r, "compile_s") * 1e3, number(r, "block_mask_ms")));
        }
        Object device = top.get("device");
        return new Loaded(device == null ? "unknown device" : String.valueOf(device), rows);
    }

    private static Sizes shape(Object o) {
        List<Integer> v = new ArrayList<>();
        if (o instanceof List<?> l) {
            for (Object x : l) if (x instanceof Number n) v.add(n.intValue());
        } else if (o instanceof String str) {
            for (String x : str.split(",")) v.add(Integer.parseInt(x.trim()));
        }
        if (v.size() != 6) throw new AttnInputException("--peers: a shape must be [B,H,H_KV,Q_LEN,KV_LEN,D], not " + o);
        return new Sizes(v.get(0), v.get(1), v.get(2), v.get(3), v.get(4), v.get(5));
    }

    private static String text(Map<?, ?> r, String key) {
        if (!(r.get(key) instanceof String s)) throw new AttnInputException("--peers: a result has no \"" + key + "\"");
        return s;
    }

    private static double number(Map<?, ?> r, String key) {
        return r.get(key) instanceof Number n ? n.doubleValue() : Double.NaN;
    }
}
