#!/usr/bin/env bash
# The CPU benchmark of issue 4: attnc's generated kernel vs the handwritten fused Java kernel vs
# the naive three-loop version, full and causal, D = 64 and 128, S = 1024..8192, B = 1, H = 4.
# Prints a GFLOP/s table (4·D flops per kept pair) and writes the JMH JSON next to it.
#   bench/cpu/run-jmh.sh [OUT_DIR]
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
source "$here/scripts/jdk25.sh"
out=${1:-$here/bench/cpu/results}
mkdir -p "$out"
cd "$here"
[[ -f bench/target/benchmarks.jar ]] || mvn -q -B -DskipTests install
jar=bench/target/benchmarks.jar
common=(-f 1 -wi 2 -w 2s -i 5 -r 2s -rf json)
java --add-modules jdk.incubator.vector -jar "$jar" CpuAttentionBench "${common[@]}" -rff "$out/fast.json" \
  -p S=1024,2048,4096,8192 -p impl=generated,handwritten
# the naive version takes seconds per call: only the smallest size
java --add-modules jdk.incubator.vector -jar "$jar" CpuAttentionBench -f 1 -wi 1 -w 1s -i 3 -r 1s -rf json -rff "$out/naive.json" \
  -p S=1024 -p impl=naive
python3 bench/cpu/gflops.py "$out/fast.json" "$out/naive.json" | tee "$out/table.md"
