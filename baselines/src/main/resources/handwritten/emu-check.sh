#!/usr/bin/env bash
# Checks the handwritten CUDA baseline (attention.cu) on the CPU emulator of bench/gpu/emu, bf16
# and fp16; no GPU needed. Run from anywhere: baselines/src/main/resources/handwritten/emu-check.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../../../../.." && pwd)
work=${EMU_WORK:-/tmp/attnc-hw-emu}
mkdir -p "$work"
# the kernel without its inline-PTX primitives (emu-check.cpp supplies the emulator's)
python3 - "$here/attention.cu" "$work/attention.cu" <<'PY'
import sys
s = open(sys.argv[1]).read()
i, j = s.index('// primitives:'), s.index('// end of primitives')
open(sys.argv[2], 'w').write(s[:i] + s[j:])
PY
fail=0
for st in BF16 F16; do
  f16=""; [[ $st == F16 ]] && f16="-DEMU_F16"
  g++ -std=c++20 -O2 -w $f16 -I"$top/bench/gpu/emu" -DKERNEL_FILE="\"$work/attention.cu\"" \
      -o "$work/check_$st" "$here/emu-check.cpp"
  "$work/check_$st" || fail=1
done
exit $fail
