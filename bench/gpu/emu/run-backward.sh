#!/usr/bin/env bash
# Checks the generated CUDA backward on the CPU emulator (no GPU needed), against a double
# reference backward:   bench/gpu/emu/run-backward.sh [D [BF16|F16 [ATOMIC [DQ_FORM [ENGINE]]]]]
# ATOMIC: 1 for the parameters' gradients through atomics; DQ_FORM: ATOMIC (dQ through float atomics
# in the dK/dV kernel, the default) or DETERMINISTIC (the dQ kernel's second pass); ENGINE: MMA (the
# default), WGMMA (the dK/dV kernel's products on Hopper's wgmma, emulated through the descriptors) or
# HOPPER (the warp-specialized dK/dV kernel: TMA, mbarriers and two consumer warpgroups, emulated).
# GEN_FLAGS='-Ddv=DV': a value dimension DV other than D (mma.sync only).
# EMU_CFLAGS=-DEMU_Q_LEN=N: the harness at another query length than 77.
# Uses the classes that `bench/gpu/cuda-device.sh pack` puts in .cuda-device/ (run that first); the
# program and the calls come from tests/.../emu/EmulatedBackward.java, which CudaBackwardEmulatorTest runs in CI.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../../.." && pwd)
D=${1:-64}; ST=${2:-BF16}; ATOMIC=${3:-0}; FORM=${4:-ATOMIC}; ENGINE=${5:-MMA}
JAVA=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/java
work=${EMU_WORK:-/tmp/attnc-emu-bwd}; mkdir -p "$work/gen"
CP="$top/.cuda-device/classes:$(ls "$top"/.cuda-device/lib/*.jar | tr '\n' ':')"
"${JAVA%/java}/javac" -nowarn -d "$work/gen" -cp "$CP" "$top/tests/src/test/java/dev/attnc/tests/emu/EmulatedBackward.java" "$top/tests/src/test/java/dev/attnc/tests/emu/EmulatedSource.java" || exit 1
CP="$work/gen:$CP"
fail=0
for spec in ${EMU_SPECS:-0:full 1:causal 2:alibi 4:softcap 7:gpt_oss 8:sigmoid}; do
  IFS=: read -r v name <<< "$spec"
  cu=$work/${name}_${D}_${ST}_${FORM}_$ENGINE.cu
  (cd "$top" && "$JAVA" ${GEN_FLAGS:-} -cp "$CP" dev.attnc.tests.emu.EmulatedBackward samples/$name.attn $D $ST "$cu" $FORM $ENGINE) || { fail=1; continue; }
  f16=""; [[ $ST == F16 ]] && f16="-DEMU_F16"
  [[ $ENGINE == HOPPER ]] && f16="$f16 -DWS"
  g++ -std=c++20 -O2 -w $f16 ${EMU_CFLAGS:-} -I"$here" -DKERNEL_FILE="\"$cu\"" -DVARIANT=$v -DVARIANT_NAME=$name -DATOMIC=$ATOMIC \
      -DARGS_FILE="\"$cu.args.h\"" -o "$work/emu_$v" "$here/harness_backward.cpp" || { fail=1; continue; }
  "$work/emu_$v" || fail=1
done
exit $fail
