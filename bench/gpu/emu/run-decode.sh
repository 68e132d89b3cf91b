#!/usr/bin/env bash
# Checks the generated CUDA decode program on the CPU emulator (no GPU needed), against a double
# reference:   bench/gpu/emu/run-decode.sh [D [BF16|F16 [Q_LEN [HEADS_PACKED [SPLITS]]]]]
# EMU_FLAGS='-DPAGE=16' reads K and V through a page table; sequence 1 has 100 of the 333 keys unless -DFULL_LENS.
# GEN_FLAGS='-Ddv=DV': a value dimension DV other than D.
# Chunked prefill (rows in the plan's later query tiles): GEN_FLAGS='-DblockM=64' EMU_FLAGS='-DPLAN_M=64 -DTHREE_LENS -DPAGE=7'
# with Q_LEN past 64 and HEADS_PACKED 1 (harness_decode.cpp's header lists its other switches).
# Uses the classes that `bench/gpu/cuda-device.sh pack` puts in .cuda-device/ (run that first); the
# source and the calls come from tests/.../emu/EmulatedDecode.java, which CudaDecodeEmulatorTest runs in CI.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../../.." && pwd)
D=${1:-64}; ST=${2:-BF16}; QL=${3:-3}; HP=${4:-4}; SPL=${5:-3}
JAVA=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/java
work=${EMU_WORK:-/tmp/attnc-emu-dec}; mkdir -p "$work/gen"
CP="$top/.cuda-device/classes:$(ls "$top"/.cuda-device/lib/*.jar | tr '\n' ':')"
"${JAVA%/java}/javac" -nowarn -d "$work/gen" -cp "$CP" "$top/tests/src/test/java/dev/attnc/tests/emu/EmulatedDecode.java" "$top/tests/src/test/java/dev/attnc/tests/emu/EmulatedSource.java" || exit 1
CP="$work/gen:$CP"
fail=0
for spec in ${EMU_SPECS:-0:full 1:causal 2:alibi 4:softcap 7:gpt_oss 8:sigmoid}; do
  IFS=: read -r v name <<< "$spec"
  cu=$work/${name}_${D}_$ST.cu
  (cd "$top" && "$JAVA" ${GEN_FLAGS:-} -cp "$CP" dev.attnc.tests.emu.EmulatedDecode $( [[ -f $top/samples/$name.attn ]] && echo samples/$name.attn || echo bench/gpu/variants/$name.attn ) $D ${BLOCK_N:-64} ${STAGES:-3} $ST "$cu") || { fail=1; continue; }
  f16=""; [[ $ST == F16 ]] && f16="-DEMU_F16"
  g++ -std=c++20 -O2 -w ${EMU_FLAGS:-} $f16 -I"$here" -DKERNEL_FILE="\"$cu\"" -DVARIANT=$v -DQLEN=$QL -DHEADS=$HP -DNSPLITS=$SPL \
      -DARGS_FILE="\"$cu.args.h\"" -o "$work/emu_$v" "$here/harness_decode.cpp" || { fail=1; continue; }
  "$work/emu_$v" || fail=1
done
exit $fail
