#!/usr/bin/env bash
# Checks generated CUDA kernels on the CPU emulator (no GPU needed):
#   bench/gpu/emu/run.sh [D BM BN WARPS [BF16|F16]]
#   GEN_FLAGS=-Ddv=DV bench/gpu/emu/run.sh ...    V and O with rows of DV beside Q and K of D
#   GEN_FLAGS=-Dengine=WGMMA ...                    the FA2 loop on wgmma
#   GEN_FLAGS=-Dengine=HOPPER bench/gpu/emu/run.sh D BM BN BM/16    the warp-specialized Hopper kernel
#   EMU_LAYOUT=1 (or 2) bench/gpu/emu/run.sh ...   Q, K, V as [B,S,H,D] (or slices of one packed QKV), read in
#                                                   place (mma.sync: its strided form, O [B,S,H,DV]; Hopper: its maps)
# Uses the classes that `bench/gpu/cuda-device.sh pack` puts in .cuda-device/ (run that first); the
# kernel and its call come from tests/.../emu/EmulatedForward.java, which CudaForwardEmulatorTest runs in CI.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../../.." && pwd)
D=${1:-128}; BM=${2:-128}; BN=${3:-64}; W=${4:-4}; ST=${5:-BF16}
JAVA=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/java
work=${EMU_WORK:-/tmp/attnc-emu}; mkdir -p "$work/gen"
CP="$top/.cuda-device/classes:$(ls "$top"/.cuda-device/lib/*.jar | tr '\n' ':')"
"${JAVA%/java}/javac" -nowarn -d "$work/gen" -cp "$CP" "$top/tests/src/test/java/dev/attnc/tests/emu/EmulatedForward.java" "$top/tests/src/test/java/dev/attnc/tests/emu/EmulatedSource.java" || exit 1
CP="$work/gen:$CP"
fail=0
# variant number : sample [: attention, where it is not named as the file] (EmulatedForward writes the
# kernel call from its signature into $cu.args.h; it takes the file's first attention)
for spec in ${EMU_SPECS:-0:full 1:causal 2:alibi 3:document 4:softcap 5:padding 6:sliding_window 7:gpt_oss:gpt_oss_local 8:sigmoid:sigmoid_causal}; do
  IFS=: read -r v name attention <<< "$spec"
  cu=$work/${name}_${D}_${BM}_${BN}_${W}_$ST.cu
  layout=${EMU_LAYOUT:-0}; strided=""; dense_o=""
  if [[ $layout != 0 ]]; then
    if [[ ${GEN_FLAGS:-} == *-Dengine=HOPPER* ]]; then dense_o="-DDENSE_O"; else strided="-Dstrided=true"; fi
  fi
  (cd "$top" && "$JAVA" ${GEN_FLAGS:-} $strided -cp "$CP" dev.attnc.tests.emu.EmulatedForward samples/$name.attn $D $BM $BN $W $ST "$cu") || { fail=1; continue; }
  f16=""; [[ $ST == F16 ]] && f16="-DEMU_F16"
  hopper=""; [[ ${GEN_FLAGS:-} == *-Dengine=HOPPER* ]] && hopper="-DHOPPER"
  g++ -std=c++20 -O2 -w $f16 $hopper $dense_o -DLAYOUT=$layout -I"$here" -DKERNEL_FILE="\"$cu\"" -DVARIANT=$v -DENTRY=attnc_${attention:-$name} \
      -DARGS_FILE="\"$cu.args.h\"" -o "$work/emu_$v" "$here/harness.cpp" || { fail=1; continue; }
  "$work/emu_$v" || fail=1
done
exit $fail
