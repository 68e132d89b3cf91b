#!/usr/bin/env bash
# Checks the generated CUDA backward on the CPU emulator (no GPU needed), against a double
# reference backward:   bench/gpu/emu/run-backward.sh [D [BF16|F16 [ATOMIC [DQ_FORM]]]]
# ATOMIC: 1 for the parameters' gradients through atomics; DQ_FORM: ATOMIC (dQ through float atomics
# in the dK/dV kernel, the default) or DETERMINISTIC (the dQ kernel's second pass).
# Uses the classes that `bench/gpu/cuda-device.sh pack` puts in .cuda-device/ (run that first).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../../.." && pwd)
D=${1:-64}; ST=${2:-BF16}; ATOMIC=${3:-0}; FORM=${4:-ATOMIC}
JAVA=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/java
work=${EMU_WORK:-/tmp/attnc-emu-bwd}; mkdir -p "$work/gen"
CP="$top/.cuda-device/classes:$(ls "$top"/.cuda-device/lib/*.jar | tr '\n' ':')"
"${JAVA%/java}/javac" -nowarn -d "$work/gen" -cp "$CP" "$here/GenBackward.java" || exit 1
CP="$work/gen:$CP"
fail=0
for spec in ${EMU_SPECS:-0:full 1:causal 2:alibi 4:softcap 7:gpt_oss 8:sigmoid}; do
  IFS=: read -r v name <<< "$spec"
  cu=$work/${name}_${D}_${ST}_$FORM.cu
  (cd "$top" && "$JAVA" -cp "$CP" GenBackward samples/$name.attn $D $ST "$cu" $FORM) || { fail=1; continue; }
  python3 - "$cu" <<'PY'
import sys
p=sys.argv[1]; s=open(p).read()
i=s.index('// primitives:'); j=s.index('// end of primitives')
open(p,'w').write(s[:i]+s[j:])
PY
  f16=""; [[ $ST == F16 ]] && f16="-DEMU_F16"
  g++ -std=c++20 -O2 -w $f16 -I"$here" -DKERNEL_FILE="\"$cu\"" -DVARIANT=$v -DVARIANT_NAME=$name -DATOMIC=$ATOMIC \
      -DARGS_FILE="\"$cu.args.h\"" -o "$work/emu_$v" "$here/harness_backward.cpp" || { fail=1; continue; }
  "$work/emu_$v" || fail=1
done
exit $fail
