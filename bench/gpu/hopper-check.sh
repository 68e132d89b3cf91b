#!/usr/bin/env bash
# One device call for the Hopper kernel (carry [".cuda-device", ".device/attnc.jar"]): the benchmark
# at B=8 S=2048 D=64, the autotuner through `attnc tune`, then the GPU tests (last: nothing else
# may share the GPU while something is timed).
#   here: bench/gpu/cuda-device.sh pack && ../shared/device/pack cli/target/attnc.jar
set -u
out=${OUT:-/tmp/o}; mkdir -p $out
CMP_SHAPE=8,16,2048,64 CMP_TILES=192x128/12h,192x128/12h:nopers,128x128/8h,128x128/8h:nopers timeout 200 bash bench/gpu/compare.sh > $out/bench-2048.out 2>&1
sed -n '/| variant/,/^$/p' $out/bench-2048.out | head -11
A="bash .cuda-device/boot.sh java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -jar .device/attnc.jar"
export ATTNC_CACHE_DIR=/tmp/attnc-cache
for t in "samples/causal.attn --shape 2,16,16,8192,8192,128" "samples/full.attn --shape 8,16,16,2048,2048,64" \
         "samples/neighborhood_2d.attn --shape 2,16,16,8192,8192,128 --arg W=128 --arg R=6"; do
  timeout 60 $A tune $t --target cuda --runs 20 2>&1 | grep -v WARNING | tee -a $out/tune.txt
done
cat /tmp/attnc-cache/cuda/tuning.properties >> $out/tune.txt
pkill -f attnc.jar; sleep 1
TEST_MODES=default TEST_TIMEOUT=330 bash bench/gpu/cuda-device.sh tests > $out/tests.out 2>&1; echo "tests rc=$?"
grep -E "tests (successful|failed)|FAIL" $out/tests.out | head -20
