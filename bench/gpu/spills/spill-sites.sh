#!/usr/bin/env bash
# Where a generated kernel spills (no GPU needed, nvcc and python3): builds the sample's CUDA source as the
# policy would (SPEC: backward, or auto for the forward kernel, or a tile spec), compiles it for sm_90a with
# -lineinfo and lists each spill store / load of ENTRY with its source line, beside ptxas's own count.
#   bench/gpu/spills/spill-sites.sh samples/sliding_window.attn 128 backward attnc_bwd_dkdv
# (after ./attnc or mvn install -DskipTests; JAVA_OPTS for -D properties, e.g. -Dattnc.cuda.backwardMath=exact)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/../../.." && pwd)
sample=$1 d=$2 spec=$3 entry=$4
source "$top/scripts/jdk25.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$JAVA_HOME/bin/java" ${JAVA_OPTS:-} -cp "$top/bench/target/benchmarks.jar" dev.attnc.bench.gpu.KernelSources "$work" "$d" "$spec" "$sample" >/dev/null
for cu in "$work"/*.cu; do
  echo "== $(basename "$cu")"
  nvcc -cubin --gpu-architecture=sm_90a --std=c++17 --prec-div=false --ftz=true -lineinfo -Xptxas -v \
       -o "${cu%.cu}.cubin" "$cu" 2>&1 | grep -A2 "entry function '$entry'" | grep -oE "[0-9]+ bytes spill (stores|loads)" | paste -sd, || true
  python3 "$here/spill_sites.py" "${cu%.cu}.cubin" "$entry" | while read -r pc op where; do
    if [[ $where == *.cu:* ]]; then
      line=${where##*:}
      printf '%s %s %-8s %s\n' "$pc" "$op" "$line" "$(sed -n "${line}p" "$cu" | sed 's/^ *//' | cut -c1-110)"
    else
      echo "$pc $op $where"
    fi
  done
done
