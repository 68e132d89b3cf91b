#!/usr/bin/env bash
# Decoding: attnc's CUDA decode program against cuDNN, SDPA FlashAttention-2 and FlexAttention in one
# device call, on the same bf16 inputs (decode.py writes them), attnc's O checked against SDPA's.
# DECODE_SHAPES='B,Q_LEN,KV_LEN;...' (default the issue's three and Q_LEN = 4), H=32 over H_KV=8, D=128.
#
#   here:  bench/gpu/cuda-device.sh pack
#   there: bash bench/gpu/decode.sh            (device tool, carry [".cuda-device"])
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
out=${OUT:-/tmp/attnc-out}
work=/tmp/attnc-decode
rm -rf "$work"; mkdir -p "$out" "$work"
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.mem,temperature.gpu --format=csv,noheader || true
export PYTHONUNBUFFERED=1
python3 bench/gpu/decode.py torch "$work" 2>&1 | grep -v Warning | tee "$out/torch_decode.log"
cp=.cuda-device/classes:$(ls .cuda-device/lib/*.jar | tr '\n' ':')
bash .cuda-device/boot.sh java --enable-native-access=ALL-UNNAMED -Xss8m -Xmx48g -cp "$cp" dev.attnc.bench.gpu.CudaDecodeBench "$work" 2>&1 | tee "$out/attnc_decode.log"
cp "$work"/*.json "$out/" 2>/dev/null
python3 bench/gpu/decode.py table "$work" | tee "$out/table_decode.txt"
