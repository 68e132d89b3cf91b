"""Turns CpuAttentionBench's JMH JSON into a GFLOP/s table (4·D flops per kept pair).

Peak for the percentage: PEAK_GFLOPS (default 166, the issue's 2-core AVX2 FMA figure)."""
import json
import os
import sys

peak = float(os.environ.get("PEAK_GFLOPS", "166"))
rows = {}
for path in sys.argv[1:]:
    for r in json.load(open(path)):
        p = r["params"]
        s, d, h = int(p["S"]), int(p["D"]), 4
        pairs = h * (s * (s + 1) // 2 if p["variant"] == "causal" else s * s)
        ms = r["primaryMetric"]["score"]
        err = r["primaryMetric"]["scoreError"]
        gflops = 4 * d * pairs / (ms / 1e3) / 1e9
        rows[(p["variant"], d, s, p["impl"])] = (ms, err, gflops)

print("| variant | D | S | impl | ms/call (±99.9%%) | GFLOP/s | %% of %g |" % peak)
print("| --- | --- | --- | --- | --- | --- | --- |")
for key in sorted(rows):
    ms, err, g = rows[key]
    print("| %s | %d | %d | %s | %.2f ± %.2f | %.1f | %.0f%% |" % (*key, ms, err if err == err else 0, g, 100 * g / peak))
