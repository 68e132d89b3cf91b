#!/usr/bin/env bash
# Every sample through the attnc command on the GPU machine, each checked against the reference:
# CUDA in bf16 (D = 64) and fp16 (D = 128) on ragged grouped-query shapes, and OpenCL on NVIDIA's
# driver in fp16. Prints one line per run (sample, target, check, time, rate); logs under $OUT.
#
#   here:  mvn -q -B -DskipTests install && ../shared/device/pack cli/target/attnc.jar
#   there: bash bench/gpu/samples-run.sh          (device tool, carry [".device"])
set -uo pipefail
out=${OUT:-/tmp/attnc-out}
mkdir -p "$out"
attnc() { bash .device/boot.sh java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -jar .device/attnc.jar "$@" 2>&1 | grep -v 'incubator modules'; }
attnc devices | tee "$out/devices.txt"
nv=$(awk '$1 == "opencl" && /NVIDIA/ {print $2; exit}' "$out/devices.txt")
summary() { # sample target config <log>
  local check time
  check=$(grep -o 'ok$\|FAILED$' "$4" | tail -1); time=$(grep -o 'kernel: .*' "$4" | sed 's/ (median[^)]*)//')
  printf '%-18s %-7s %-24s %-7s %s\n' "$1" "$2" "$3" "${check:-ERROR}" "$time" | tee -a "$out/summary.txt"
}
for f in samples/*.attn; do
  s=$(basename "$f" .attn)
  for cfg in "bf16 2,8,2,333,517,64" "f16 2,8,4,300,700,128"; do
    set -- $cfg
    attnc run "$f" --target cuda --dtype "$1" --shape "$2" --random-args --check --repeat 5 > "$out/$s-cuda-$1.log"
    summary "$s" cuda "$1 $2" "$out/$s-cuda-$1.log"
  done
  if [[ -n $nv ]]; then
    attnc run "$f" --target opencl --device "$nv" --dtype f16 --shape 1,8,8,1024,1024,64 --random-args --check --repeat 5 > "$out/$s-opencl.log"
    summary "$s" opencl "f16 1,8,8,1024,1024,64" "$out/$s-opencl.log"
  fi
done
echo "failed or errored: $(grep -cv ' ok ' "$out/summary.txt")"
