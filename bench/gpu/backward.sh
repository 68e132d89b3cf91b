#!/usr/bin/env bash
# The backward pass: attnc's CUDA backward against FlexAttention, SDPA FlashAttention-2 and cuDNN in
# one device call, on the same bf16 inputs (backward.py writes them), gradients checked against
# FlexAttention's on two heads. BWD_SHAPE=B,H,S,D (default 2,16,8192,128), BWD_VARIANTS;
# BWD_JAVA_FLAGS=-Dattnc.cuda.deterministic=true times the deterministic form of dQ (the default
# sends dQ through float atomics in the dK/dV kernel); -Dattnc.cuda.engine=hopper times the products on
# wgmma at D = 64 and 128 on Hopper (not yet the default there: docs/cuda-notes.md says why).
#
#   here:  bench/gpu/cuda-device.sh pack
#   there: bash bench/gpu/backward.sh            (device tool, carry [".cuda-device"])
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
out=${OUT:-/tmp/attnc-out}
export BWD_SHAPE=${BWD_SHAPE:-2,16,8192,128}
work=/tmp/attnc-backward/shape-${BWD_SHAPE//,/x}
rm -rf "$work"; mkdir -p "$out" "$work"
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.mem,temperature.gpu --format=csv,noheader || true
export PYTHONUNBUFFERED=1
python3 bench/gpu/backward.py torch "$work" 2>&1 | grep -v Warning | tee "$work/torch.log"
cp=.cuda-device/classes:$(ls .cuda-device/lib/*.jar | tr '\n' ':')
bash .cuda-device/boot.sh java --enable-native-access=ALL-UNNAMED -Xss8m -Xmx24g ${BWD_JAVA_FLAGS:-} -cp "$cp" dev.attnc.bench.gpu.CudaBackwardBench "$work" 2>&1 | tee "$out/attnc_bwd.log"
tag=$(echo "$BWD_SHAPE" | tr , x)
cp "$work"/torch_bwd.json "$out/torch_bwd-$tag.json"; cp "$work"/attnc_bwd.json "$out/attnc_bwd-$tag.json" 2>/dev/null
python3 bench/gpu/backward.py table "$work" | tee "$out/table_bwd-$tag.txt"
