#!/usr/bin/env bash
# The backward pass: attnc's CUDA backward against FlexAttention, SDPA FlashAttention-2 and cuDNN in
# one device call, on the same bf16 inputs (backward.py writes them), gradients checked against
# FlexAttention's on two heads. BWD_SHAPE=B,H,S,D (default 2,16,8192,128), BWD_VARIANTS;
# BWD_FORMS="default wgmma deterministic fast" times several forms of attnc's backward in the same call
# (deterministic: dQ in its own kernel, where the default sends it through float atomics in the dK/dV
# kernel; hopper: the warp-specialized dK/dV kernel at D = 64 and 128; wgmma: the FA2-style kernels
# with their products on wgmma; mma: mma.sync on Hopper; fast / exact: the backward's math; allgrads: a gradient for
# every float parameter, where the default form computes those PyTorch computes: the learned table's, not ALiBi's
# slopes or the soft-cap, constants on PyTorch's side; perrun: the timing before session 19, each run a whole call,
# uploads first and the host queuing the kernels between the two events, for comparison; alt, alt2 ...: another
# tree's build, packed here with `bench/gpu/cuda-device.sh pack-alt DIR [NAME]`: an A/B of trees in one call).
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
# deterministic: dQ in its own kernel; mma: mma.sync on Hopper; fast / exact: the backward's math; allgrads: every
# parameter's gradient too).
# BWD_JAVA_FLAGS is added to every form.
# BWD_ROUNDS=N runs the forms N times, interleaved (a b a b ...), and ends with each form's median per
# variant: one form's figure moves by up to 5 % between runs (docs/benchmarks.md, session 17), so an A/B
# of a few percent needs rounds.
rounds=${BWD_ROUNDS:-1}
for round in $(seq "$rounds"); do
  for form in ${BWD_FORMS:-default}; do
    flags=""   # a form joins words with +: hopper+deterministic
    classes=.cuda-device/classes
    for word in ${form//+/ }; do
      case $word in
        default) ;;
        deterministic) flags="$flags -Dattnc.cuda.deterministic=true" ;;
        atomic) flags="$flags -Dattnc.cuda.deterministic=false" ;;
        fast|exact) flags="$flags -Dattnc.cuda.backwardMath=$word" ;;
        allgrads) flags="$flags -Dattnc.bench.allGradients=true" ;;
        perrun) flags="$flags -Dattnc.bench.perRun=true" ;;
        alt|alt[0-9]*) classes=.cuda-device/$word-classes; cat "$classes/ALT" ;;
        *) flags="$flags -Dattnc.cuda.engine=$word" ;;
      esac
    done
    rm -f "$work"/attnc_bwd.json
    bash .cuda-device/boot.sh java --enable-native-access=ALL-UNNAMED -Xss8m -Xmx24g $flags ${BWD_JAVA_FLAGS:-} -cp "$classes:${cp#*:}" dev.attnc.bench.gpu.CudaBackwardBench "$work" 2>&1 | tee "$out/attnc_bwd-$tag-$form.log"
    cp "$work"/attnc_bwd.json "$out/attnc_bwd-$tag-$form.json" 2>/dev/null
    cp "$work"/attnc_bwd.json "$work/round-$round-$form.json" 2>/dev/null
    echo "== attnc form: $form${BWD_ROUNDS:+ (round $round)}"
    python3 bench/gpu/backward.py table "$work" | tee "$out/table_bwd-$tag-$form.txt"
  done
done
if [ "$rounds" -gt 1 ]; then
  python3 - "$work" "$rounds" ${BWD_FORMS:-default} <<'PY' | tee "$out/rounds_bwd-$tag.txt"
import json, os, statistics, sys
work, rounds, forms = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
print(f"attnc TFLOP/s, median of the rounds (each run's figure in brackets), shape {os.environ['BWD_SHAPE']}")
for form in dict.fromkeys(forms):
    runs = {}
    for r in range(1, rounds + 1):
        f = f"{work}/round-{r}-{form}.json"
        for line in open(f) if os.path.exists(f) else []:
            run = json.loads(line)
            runs.setdefault(run["variant"], []).append(run["tflops"])
    for v, t in runs.items():
        print(f"{form:28s} {v:14s} {statistics.median(t):7.1f}  [{', '.join(f'{x:.1f}' for x in t)}]")
PY
fi
