#!/usr/bin/env bash
# The backward pass: attnc's CUDA backward against FlexAttention, SDPA FlashAttention-2 and cuDNN in
# one device call, on the same bf16 inputs (backward.py writes them), gradients checked against
# FlexAttention's on two heads. BWD_SHAPE=B,H,S,D (default 2,16,8192,128), BWD_VARIANTS;
# BWD_FORMS="default wgmma deterministic fast" times several forms of attnc's backward in the same call
# (deterministic: dQ in its own kernel, where the default sends it through float atomics in the dK/dV
# kernel; hopper: the warp-specialized dK/dV kernel at D = 64 and 128; wgmma: the FA2-style kernels
# with their products on wgmma; mma: mma.sync on Hopper; fast / exact: the backward's math).
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
tag=$(echo "$BWD_SHAPE" | tr , x)
cp "$work"/torch_bwd.json "$out/torch_bwd-$tag.json"
# BWD_FORMS: the forms of attnc's backward to time against the same PyTorch figures, one table each
# (default: the policy's; hopper: the warp-specialized dK/dV kernel; wgmma: the FA2-style kernels on wgmma;
# deterministic: dQ in its own kernel; mma: mma.sync on Hopper; fast / exact: the backward's math).
# BWD_JAVA_FLAGS is added to every form.
for form in ${BWD_FORMS:-default}; do
  flags=""   # a form joins words with +: hopper+deterministic
  for word in ${form//+/ }; do
    case $word in
      default) ;;
      deterministic) flags="$flags -Dattnc.cuda.deterministic=true" ;;
      atomic) flags="$flags -Dattnc.cuda.deterministic=false" ;;
      fast|exact) flags="$flags -Dattnc.cuda.backwardMath=$word" ;;
      *) flags="$flags -Dattnc.cuda.engine=$word" ;;
    esac
  done
  rm -f "$work"/attnc_bwd.json
  bash .cuda-device/boot.sh java --enable-native-access=ALL-UNNAMED -Xss8m -Xmx24g $flags ${BWD_JAVA_FLAGS:-} -cp "$cp" dev.attnc.bench.gpu.CudaBackwardBench "$work" 2>&1 | tee "$out/attnc_bwd-$tag-$form.log"
  cp "$work"/attnc_bwd.json "$out/attnc_bwd-$tag-$form.json" 2>/dev/null
  echo "== attnc form: $form"
  python3 bench/gpu/backward.py table "$work" | tee "$out/table_bwd-$tag-$form.txt"
done
