#!/usr/bin/env bash
# Decode steps before and after a change, interleaved so that a shared machine's load hits both alike
# (docs/benchmarks.md, "Decoding on the CPU and PoCL"). BEFORE and AFTER are two builds' cli/target/attnc.jar.
#   BEFORE=/tmp/before.jar AFTER=cli/target/attnc.jar TARGETS="java opencl" \
#   SHAPES="1,8,2,1,65536,128;1,1,1,1,65536,128" bench/cpu/decode-ab.sh
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
source "$here/scripts/jdk25.sh"
for round in 1 2; do
  for jar in "$BEFORE" "$AFTER"; do
    for t in ${TARGETS:-java opencl}; do
      echo "== $jar $t round $round"
      "$JAVA_HOME/bin/java" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Xss16m -jar "$jar" bench \
        "$here/samples/full.attn" "$here/samples/gqa_causal.attn" --target "$t" --shapes "$SHAPES" --warmup 5 --runs 20 2>&1 \
        | grep '^| [fg]' | grep -v 'first call' || true
    done
  done
done
