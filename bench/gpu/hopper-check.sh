#!/usr/bin/env bash
# One device call for the Hopper kernel (carry [".cuda-device"]): attnc against PyTorch at
# B=8 S=2048 D=64 and at B=2 S=8192 D=128, attnc's default (auto) beside other tile
# shapes and schedules, then (PROFILE=tiles) an Nsight Compute profile of the dense D=64 kernel.
#   here: bench/gpu/cuda-device.sh pack
set -u
out=${OUT:-/tmp/o}; mkdir -p $out
export JAVA_TOOL_OPTIONS="-Dattnc.bench.reps=${REPS:-50} -Dattnc.bench.warmup=5"
OUT=$out/d64 CMP_SHAPE=8,16,2048,64 CMP_TILES=${D64_TILES:-auto,192x128/12h,128x128/8h,192x64/12h3} \
  timeout 260 bash bench/gpu/compare.sh > $out/bench-2048.out 2>&1
sed -n '/| variant/,/^$/p' $out/bench-2048.out | head -11
OUT=$out/d128 CMP_SHAPE=2,16,8192,128 CMP_TILES=${D128_TILES:-auto,128x128/8h:nopers,128x128/8h:nol2} \
  timeout 200 bash bench/gpu/compare.sh > $out/bench-8192.out 2>&1
sed -n '/| variant/,/^$/p' $out/bench-8192.out | head -11
if [[ -n ${PROFILE:-} ]]; then
  unset JAVA_TOOL_OPTIONS
  cp=.cuda-device/classes:$(ls .cuda-device/lib/*.jar | tr '\n' ':')
  timeout 120 ncu --target-processes all -k regex:attn -c 1 --section SpeedOfLight --section MemoryWorkloadAnalysis \
    --section WarpStateStats --section ComputeWorkloadAnalysis \
    bash .cuda-device/boot.sh java --enable-native-access=ALL-UNNAMED -Dattnc.bench.reps=1 -Dattnc.bench.warmup=0 -cp "$cp" \
    dev.attnc.bench.gpu.CudaBench /tmp/attnc-compare/shape-8x16x2048x64 $PROFILE full > $out/ncu.txt 2>&1
  grep -E "Duration|Throughput|Hit Rate|Pipe|Stall|Issued|Eligible|L2|DRAM" $out/ncu.txt | head -60
fi
