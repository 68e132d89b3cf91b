#!/usr/bin/env bash
# Checks the generated CUDA backward on the CPU emulator (no GPU needed), against a double
# reference backward:   bench/gpu/emu/run-backward.sh [D [BF16|F16 [ATOMIC [DQ_FORM [ENGINE]]]]]
# ATOMIC: 1 for the parameters' gradients through atomics; DQ_FORM: ATOMIC (dQ through float atomics
# in the dK/dV kernel, the default) or DETERMINISTIC (the dQ kernel's second pass); ENGINE: MMA (the
# default) or WGMMA (the dK/dV kernel's products on Hopper's wgmma, emulated through the descriptors).
# Uses the classes that `bench/gpu/cuda-device.sh pack` puts in .cuda-device/ (run that first).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../../.." && pwd)
D=${1:-64}; ST=${2:-BF16}; ATOMIC=${3:-0}; FORM=${4:-ATOMIC}; ENGINE=${5:-MMA}
JAVA=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/java
work=${EMU_WORK:-/tmp/attnc-emu-bwd}; mkdir -p "$work/gen"
CP="$top/.cuda-device/classes:$(ls "$top"/.cuda-device/lib/*.jar | tr '\n' ':')"
"${JAVA%/java}/javac" -nowarn -d "$work/gen" -cp "$CP" "$here/GenBackward.java" || exit 1
CP="$work/gen:$CP"
fail=0
for spec in ${EMU_SPECS:-0:full 1:causal 2:alibi 4:softcap 7:gpt_oss 8:sigmoid}; do
  IFS=: read -r v name <<< "$spec"
  cu=$work/${name}_${D}_${ST}_${FORM}_$ENGINE.cu
  (cd "$top" && "$JAVA" -cp "$CP" GenBackward samples/$name.attn $D $ST "$cu" $FORM $ENGINE) || { fail=1; continue; }
  python3 - "$cu" <<'PY'
import sys
p=sys.argv[1]; s=open(p).read()
i=s.index('// primitives:'); j=s.index('// end of primitives')
# wgmma (the WGMMA engine): the emulator's, through the descriptors (emu.h); S^T and dP^T are n64, dV, dK and dQ nD
shim = """inline void wgmma_fence() {} inline void wgmma_commit() {} template <int N> inline void wgmma_wait() {} inline void fence_proxy_async() {}
inline void wgmma_ss(float* d, unsigned long long a, unsigned long long b, int sc) { emu_wgmma_ss<TILE>(d, a, b, sc); }
inline void wgmma_rs_tb(float* d, const unsigned (&a)[4], unsigned long long b) { emu_wgmma_rs_tb<HEAD_DIM>(d, a, b); }
inline void wgmma_ss_tt(float* d, unsigned long long a, unsigned long long b, int sc) { emu_wgmma_ss<HEAD_DIM, true>(d, a, b, sc); }
""" if 'wgmma_abt(' in s else ''
open(p,'w').write(s[:i]+shim+s[j:])
PY
  f16=""; [[ $ST == F16 ]] && f16="-DEMU_F16"
  g++ -std=c++20 -O2 -w $f16 -I"$here" -DKERNEL_FILE="\"$cu\"" -DVARIANT=$v -DVARIANT_NAME=$name -DATOMIC=$ATOMIC \
      -DARGS_FILE="\"$cu.args.h\"" -o "$work/emu_$v" "$here/harness_backward.cpp" || { fail=1; continue; }
  "$work/emu_$v" || fail=1
done
exit $fail
