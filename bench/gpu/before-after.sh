#!/usr/bin/env bash
# One device call that shows a change leaves speed as it was: bench/gpu/compare.sh at both benchmark
# shapes, attnc's default kernels from two builds (BEFORE_DEV, the parent commit's pack; .cuda-device,
# this tree's) on the same inputs, PyTorch's peers timed once per shape. Order per shape: before,
# after, before, after (drift between runs shows as the spread of the two runs of one build).
#
#   here:  bench/gpu/cuda-device.sh pack; cp -r .cuda-device .cuda-before (from the old tree, jre left out)
#   there: BEFORE_DEV=.cuda-before bash bench/gpu/before-after.sh   (carry [".cuda-device", ".cuda-before"])
# $OUT/tables.txt holds the tables; $OUT/logs.tar.gz every log.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
final=${OUT:-/tmp/attnc-out}
work=/tmp/before-after
rm -rf "$work" && mkdir -p "$work" "$final"
runs=${BA_RUNS:-2}
for shape in ${BA_SHAPES:-2,16,8192,128 8,16,2048,64}; do
  reps=50; [[ $shape == 8,* ]] && reps=100
  for run in $(seq 1 $runs); do
    for build in before after; do
      dev=.cuda-device; [[ $build == before ]] && dev=${BEFORE_DEV:-.cuda-before}
      echo "=== shape $shape, $build (run $run)" | tee -a "$final/tables.txt"
      JAVA_TOOL_OPTIONS="-Dattnc.bench.reps=$reps -Dattnc.bench.warmup=5" CMP_SHAPE=$shape CMP_TILES=auto \
        CMP_REUSE_TORCH=1 ATTNC_DEV=$dev CMP_TAG=$build$run OUT=$work/${shape//,/x} \
        bash bench/gpu/compare.sh > "$work/${shape//,/x}-$build$run.log" 2>&1
      cat "$work/${shape//,/x}/table-$build$run.txt" >> "$final/tables.txt" 2>/dev/null || tail -20 "$work/${shape//,/x}-$build$run.log" >> "$final/tables.txt"
    done
  done
done
tar -C "$work" -czf "$final/logs.tar.gz" .
cat "$final/tables.txt"
