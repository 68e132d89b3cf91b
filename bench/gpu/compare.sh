#!/usr/bin/env bash
# attnc's CUDA kernels against PyTorch (FlexAttention, SDPA FlashAttention-2, cuDNN) in one device call:
# shape CMP_SHAPE=B,H,S,D (default 2,16,8192,128) bf16 forward; full, causal, sliding window S/8, ALiBi
# (causal), soft-cap 30, document (random sorted lengths S/32 .. S/4), prefix-LM S/4, neighborhood_2d
# (grid 128 wide, 13x13 window). TFLOP/s on kept pairs (2 * (D + DV) flops a pair; CMP_SHAPE=B,H,S,D,DV for DV != D).
#
#   here:  bench/gpu/cuda-device.sh pack
#   there: bash bench/gpu/compare.sh            (device tool, carry [".cuda-device"])
# Inputs are written once by compare.py (raw bf16 bits) and read by both sides; attnc's O and LSE
# are checked against FlexAttention's on two heads. Results: $OUT/table.txt, torch.json, attnc.json.
# Env: CMP_SHAPE (B,H,S,D), CMP_LAYOUT (bhsd, or bshd: Q, K, V as [B,S,H,D] for every contender), CMP_TILES (auto, the default: the
# policy's kernel, as `attnc run` picks it; or a comma list of BMxBN/W for attnc, e.g. 128x128/8w,192x128/12w,128x64/8w,128x64/4), CMP_VARIANTS (comma list; default
# all: full,causal,sliding_window,alibi,softcap,document,prefix_lm,neighborhood_2d). compare.py reads
# CMP_SHAPE and CMP_VARIANTS and writes both into meta.properties, which CudaBench follows.
# CMP_BACKWARD=1: then, in the same call, the backward alone and forward + backward at the same B,H,S,D
# (bench/gpu/backward.sh: full, causal, ALiBi, soft-cap, the learned relative bias; BWD_VARIANTS narrows it).
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
dev=${ATTNC_DEV:-.cuda-device}   # the build to time (bench/gpu/before-after.sh times two)
tag=${CMP_TAG:+-$CMP_TAG}
out=${OUT:-/tmp/attnc-out}
export CMP_SHAPE=${CMP_SHAPE:-2,16,8192,128}
export CMP_LAYOUT=${CMP_LAYOUT:-bhsd}
work=/tmp/attnc-compare/shape-${CMP_SHAPE//,/x}-$CMP_LAYOUT   # one folder a shape and layout: no stale inputs of another
rm -f "$work"/attnc.json
mkdir -p "$out" "$work"
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.mem,temperature.gpu --format=csv,noheader || true
export PYTHONUNBUFFERED=1
if [[ -z ${CMP_REUSE_TORCH:-} || ! -f $work/torch.json ]]; then
  rm -f "$work"/ref_*.f32 "$work"/torch.json "$work"/meta.properties
  python3 bench/gpu/compare.py torch "$work" 2>&1 | grep -v Warning | tee "$work/torch.log"
fi
[[ -f $work/meta.properties ]] || { echo "compare.py torch wrote no meta.properties (see above)"; exit 1; }
cp=$dev/classes:$(ls "$dev"/lib/*.jar | tr '\n' ':')
bash .cuda-device/boot.sh java --enable-native-access=ALL-UNNAMED -Xss8m -cp "$cp" dev.attnc.bench.gpu.CudaBench "$work" \
  ${CMP_TILES:-auto} \
  2>&1 | tee "$out/attnc$tag.log"
cp "$work"/torch.json "$out/" 2>/dev/null; cp "$work"/attnc.json "$out/attnc$tag.json" 2>/dev/null
python3 bench/gpu/compare.py table "$work" | tee "$out/table$tag.txt"
if [[ -n ${CMP_BACKWARD:-} ]]; then
  BWD_SHAPE=$(echo "$CMP_SHAPE" | cut -d, -f1-4) bash bench/gpu/backward.sh
fi
