#!/usr/bin/env bash
# attnc's CUDA forward at the head dimensions of issue 20 against FlexAttention, SDPA FlashAttention-2
# and cuDNN (where they run), full and causal, bf16, B=2 H=16 S=8192, in one device call: compare.sh
# once a head dimension, then one table over all of them.
#
#   here:  bench/gpu/cuda-device.sh pack
#   there: bash bench/gpu/dims.sh                 (device tool, carry [".cuda-device"]; ~1 minute a D)
# Env: DIMS (default "64 80 96 128 192/128 256"; D/DV for a value dimension DV other than D, DeepSeek
# MLA's 192/128; every one from 64 up runs on the Hopper kernel, D = 80 and 96 padded to 128 inside it), DIMS_TILES (attnc's configurations, default auto: what the policy picks, then
# mma.sync at 128x64/4 and 64x64/4), DIMS_B_H_S (default 2,16,8192), DIMS_LAYOUTS (default bhsd; "bhsd bshd"
# runs every D with Q, K, V as [B,H,S,D] and as [B,S,H,D] too, e.g. DIMS=128 DIMS_LAYOUTS="bhsd bshd": issue 20's
# "[B,S,H,D] within 3 % of [B,H,S,D]").
# Results: $OUT/table-dD.txt for each D (table-dD-bshd.txt for [B,S,H,D], table-dD-DV.txt for D/DV), and $OUT/dims.txt
# (TFLOP/s on kept pairs, 2 * (D + DV) flops a pair).
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
out=${OUT:-/tmp/attnc-out}
mkdir -p "$out"
# a table's tag: dD for [B,H,S,D] (as before), dD-bshd for [B,S,H,D]; D/DV as dD-DV
tag() { local d=${1/\//-}; [[ $2 == bhsd ]] && echo "d$d" || echo "d$d-$2"; }
dims=${DIMS:-64 80 96 128 192/128 256}
for layout in ${DIMS_LAYOUTS:-bhsd}; do
  for d in $dims; do
    echo "== D = $d, $layout"
    CMP_SHAPE=${DIMS_B_H_S:-2,16,8192},${d/\//,} CMP_VARIANTS=full,causal CMP_LAYOUT=$layout CMP_TAG=$(tag "$d" "$layout") \
      CMP_TILES=${DIMS_TILES:-auto,128x64/4,64x64/4} bash bench/gpu/compare.sh
  done
done
# one line a (D, variant) from each table's rows: | variant | kept % | attnc default | attnc best | check | flex | fa2 | cudnn | ratio |
# (the check column may hold "max|dO|": the peers are counted from the end)
{
  echo "| D | layout | variant | attnc default | attnc best | FlexAttention | SDPA FA2 | cuDNN | attnc / Flex |"
  echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"
  for layout in ${DIMS_LAYOUTS:-bhsd}; do
    for d in $dims; do
      t=$(tag "$d" "$layout")
      [[ -f $out/table-$t.txt ]] || { echo "| $d | $layout | (no table: see $out/attnc-$t.log) |"; continue; }
      grep -E '^\| (full|causal) \|' "$out/table-$t.txt" | awk -F'|' -v d="$d" -v l="$layout" \
        '{ gsub(/^ +| +$/, "", $2); printf "| %s | %s | %s |%s|%s|%s|%s|%s|%s|\n", d, l, $2, $4, $5, $(NF-4), $(NF-3), $(NF-2), $(NF-1) }'
    done
  done
} | tee "$out/dims.txt"
