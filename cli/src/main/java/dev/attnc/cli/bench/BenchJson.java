package dev.attnc.cli.bench;

import dev.attnc.Check;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code --json OUT}: every row with its numbers, in the peers' vocabulary where they overlap
 * ({@code variant, shape, dtype, contender, median_ms, tflops}) so one script can read both:
 * <pre>
 * {"tool":"attnc bench","target":"java","device":"...","dtype":"float32","warmup":3,"runs":10,
 *  "results":[{"variant":"causal","file":"samples/causal.attn","shape":[1,4,4,1024,1024,64],
 *    "dtype":"float32","contender":"attnc","kind":"attnc","median_ms":..,"p10_ms":..,"p90_ms":..,
 *    "min_ms":..,"max_ms":..,"runs":10,"kept_pairs":..,"density":..,"gflops":..,"tflops":..,
 *    "speedup_of_attnc":..,"check":{"passed":true,"max_err_o":..,"max_err_lse":..,"tolerance":..,
 *    "non_finite":0,"out_of_tolerance":0,"shape":[...],"reduced":false},"first_call_ms":..,"block_mask_ms":..,"note":..}, ...]}
 * </pre>
 * {@code speedup_of_attnc} is this row's median over attnc's on the same (variant, shape, dtype).
 */
public final class BenchJson {
    private BenchJson() {}

    public static String of(BenchReport r) {
        Map<String, Object> top = new LinkedHashMap<>();
        top.put("tool", "attnc bench");
        top.put("target", r.target());
        top.put("device", r.device());
        top.put("dtype", r.dtype());
        top.put("warmup", r.warmup());
        top.put("warmup_seconds", r.warmupSeconds());
        top.put("runs", r.runs());
        if (r.peersDevice() != null) top.put("peers_device", r.peersDevice());
        List<Object> results = new ArrayList<>();
        for (List<Measurement> group : BenchTable.groups(r.rows()).values()) {
            Measurement attnc = group.stream().filter(m -> m.kind().equals("attnc")).findFirst().orElse(null);
            for (Measurement m : group) results.add(row(m, attnc));
        }
        top.put("results", results);
        return Json.write(top);
    }

    private static Map<String, Object> row(Measurement m, Measurement attnc) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("variant", m.variant());
        o.put("file", m.file());
        o.put("shape", Shapes.array(m.sizes()));
        o.put("dtype", m.dtype());
        o.put("contender", m.contender());
        o.put("kind", m.kind());
        Stats st = m.stats();
        o.put("median_ms", m.medianMs());
        if (st != null && st.runs() > 0) {
            o.put("p10_ms", st.p10Ms());
            o.put("p90_ms", st.p90Ms());
            o.put("min_ms", st.minMs());
            o.put("max_ms", st.maxMs());
            o.put("runs", st.runs());
        }
        o.put("kept_pairs", m.keptPairs() < 0 ? null : m.keptPairs());
        o.put("density", m.density());
        o.put("gflops", m.gflops());
        o.put("tflops", m.gflops() / 1000);
        if (attnc != null && attnc != m) o.put("speedup_of_attnc", m.medianMs() / attnc.medianMs());
        CheckResult c = m.check();
        if (c != null) {
            Map<String, Object> k = new LinkedHashMap<>();
            if (c.report() != null) {
                Check.Report rep = c.report();
                k.put("passed", rep.passed());
                k.put("max_err_o", rep.maxErrorO());
                k.put("max_err_lse", rep.maxErrorLse());
                k.put("tolerance", rep.tolerance());
                k.put("non_finite", rep.nonFinite());
                k.put("out_of_tolerance", rep.outOfTolerance());
                k.put("shape", Shapes.array(c.checked()));
                k.put("reduced", c.reduced());
            }
            if (c.peerMaxError() != null) k.put("max_err_vs_attnc", c.peerMaxError());
            if (c.skipped() != null) k.put("skipped", c.skipped());
            o.put("check", k);
        }
        o.put("first_call_ms", m.prepareMs());
        o.put("block_mask_ms", m.planMs());
        if (m.note() != null) o.put("note", m.note());
        return o;
    }
}
