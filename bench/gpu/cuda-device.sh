#!/usr/bin/env bash
# The CUDA backend on the GPU machine, from a tree that need not build as a whole.
#
#   bench/gpu/cuda-device.sh pack        here: compiles the compiler, kernel-runtime, the CUDA backend, its
#                                        tests and CudaBench with javac into .cuda-device/ (ignored by git) with
#                                        the JDK runtime and the jars they need
#   bench/gpu/cuda-device.sh pack-alt DIR [NAME]  here, after pack: another checkout's classes (DIR packs itself;
#                                        DIR must lie beside this one, under the same parent) into
#                                        .cuda-device/NAME-classes (NAME: alt, or alt2, alt3 ...), for an A/B of
#                                        several trees in one device call (backward.sh's forms "alt", "alt2" ...)
#   bench/gpu/cuda-device.sh tests       there (device tool, carry [".cuda-device"]): every sample on
#                                        the GPU against the reference (CudaBackendGpuTest), then ptxas
#                                        and SASS facts of one kernel; logs under $OUT (TEST_TREE=altN:
#                                        the tests of the tree pack-alt packed as altN)
#   bench/gpu/cuda-device.sh bench       there: bench/gpu/compare.sh (attnc vs FlexAttention, SDPA
#                                        FlashAttention-2, cuDNN)
#   bench/gpu/cuda-device.sh sass        there: spills and SASS counts (HGMMA, UTMALDG, LDL, ...) of the
#                                        Hopper kernel of every sample (SASS_D, SASS_TILES, SASS_SAMPLES;
#                                        SASS_TILES=backward: the backward program). Also here, without a
#                                        device, where nvcc is installed: ptxas's spills and C75xx remarks
#                                        (the SASS counts only with cuobjdump, which the device has)
#   bench/gpu/cuda-device.sh serving     there: serving in one call: bench/gpu/decode.sh, the per-step
#                                        overhead (DecodeStepOverhead, with a stack sample of where the
#                                        host time goes), the example's CUDA run with --check, then the
#                                        device-tensor and decode GPU tests. Needs the full runtime, which
#                                        pack takes from a build (./run-tests or mvn install first)
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
dev=.cuda-device
out=${OUT:-/tmp/attnc-out}
mkdir -p "$out"
m2=~/.m2/repository
jars="$m2/org/antlr/ST4/4.3.4/ST4-4.3.4.jar $m2/org/antlr/antlr-runtime/3.5.3/antlr-runtime-3.5.3.jar
      $m2/org/antlr/antlr4-runtime/4.13.2/antlr4-runtime-4.13.2.jar
      $m2/org/junit/platform/junit-platform-console-standalone/1.13.4/junit-platform-console-standalone-1.13.4.jar"
junit=junit-platform-console-standalone-1.13.4.jar

# ptxas (spills) and SASS counts of the warp-specialized Hopper kernel of every sample (SASS_SAMPLES: which;
# SASS_TILES=backward: the policy's backward program, whose spills ptxas lists kernel by kernel)
sass() {
  local src=/tmp/hopper-src cp=$dev/classes:$(ls "$dev"/lib/*.jar | tr '\n' ':')
  rm -rf $src
  bash $dev/boot.sh java -cp "$cp" dev.attnc.bench.gpu.KernelSources $src ${SASS_D:-128} ${SASS_TILES:-128x128/8h} ${SASS_SAMPLES:-samples/*.attn}
  printf '%-16s %-44s %s\n' sample "ptxas (spill stores/loads)" "SASS: HGMMA HMMA UTMALDG USETMAXREG LDL STL MUFU.EX2 I2F" | tee -a "$out/sass.txt"
  for f in $src/*.cu; do
    local n=$(basename $f .cu)
    local v=$(nvcc -cubin -gencode arch=compute_90a,code=sm_90a -Xptxas -v -std=c++17 -prec-div=false -ftz=true -o /tmp/$n.cubin $f 2>&1 \
              | grep -oE '[0-9]+ bytes spill stores, [0-9]+ bytes spill loads|C75[0-9]+' | tr '\n' ' ')
    local c=" (no cuobjdump)"
    if command -v cuobjdump >/dev/null; then
      cuobjdump -sass /tmp/$n.cubin > /tmp/$n.sass
      c=""; for op in HGMMA HMMA UTMALDG USETMAXREG LDL STL MUFU.EX2 I2F; do c="$c $(grep -c "$op" /tmp/$n.sass)"; done
    fi
    printf '%-16s %-44s %s\n' $n "$v" "$c" | tee -a "$out/sass.txt"
  done
}

case "${1:-}" in
  pack)
    set -e
    export JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
    exclude=$(git rev-parse --git-path info/exclude)   # .git is a file in a worktree
    grep -qx "/$dev/" "$exclude" || echo "/$dev/" >> "$exclude"
    "$top/../shared/device/pack" >/dev/null   # the JDK runtime image and boot.sh, into .device/
    rm -rf "$dev" && mkdir -p "$dev/classes" "$dev/lib"
    cp .device/jre.tar.xz .device/boot.sh "$dev/"
    cp $jars grammar/target/attnc-grammar-0.1.0-SNAPSHOT.jar "$dev/lib/"
    cp=$(ls "$dev"/lib/*.jar | tr '\n' ':')
    r=runtime/src/main/java/dev/attnc
    # codegen/java (the CPU backend's generator) and the Java kernels' runtime (kernel/cpu, on the
    # Vector API) are not needed here, but for KernelMath: ir.Semantics' int divisions
    kr=kernel-runtime/src/main/java/dev/attnc/kernel
    "$JAVA_HOME/bin/javac" --release 25 -nowarn -d "$dev/classes" -cp "$cp" \
      $(find compiler/src/main/java -name '*.java' -not -path '*/codegen/java/*') $kr/*.java $kr/cpu/KernelMath.java \
      $r/Tensor.java $r/DType.java $r/AttnInputException.java $r/DeviceException.java $r/DeviceUnavailableException.java \
      $r/Gradients.java $r/Inputs.java $r/DeviceTensor.java $r/DeviceResult.java $r/io/AtomicFile.java $r/ffm/cuda/*.java $r/backend/*.java $r/backend/cuda/*.java \
      $(ls runtime/src/test/java/dev/attnc/backend/cuda/*.java | grep -v DeviceTensorGpuTest) runtime/src/test/java/dev/attnc/backend/{Recipes,RecipeJson,SizeExpr,PagedCaches}.java bench/src/main/java/dev/attnc/bench/gpu/*.java \
      testkit/src/main/java/dev/attnc/testkit/*.java compiler/src/test/java/dev/attnc/compiler/TestPrograms.java
    cp -r compiler/src/main/resources/* "$dev/classes/"
    mkdir -p "$dev/classes/dev/attnc/templates" && cp codegen-templates/src/main/resources/dev/attnc/templates/*.stg "$dev/classes/dev/attnc/templates/"
    # the full runtime and the examples (the public API: device tensors, AttentionKernel), from the last build
    if [[ -f cli/target/attnc.jar && -d examples/target/classes ]]; then
      mkdir -p "$dev/full/test-classes"
      cp cli/target/attnc.jar "$dev/full/" && cp -r examples/target/classes "$dev/full/examples"
      "$JAVA_HOME/bin/javac" --release 25 -nowarn -d "$dev/full/test-classes" -cp "$dev/full/attnc.jar:$cp" \
        runtime/src/test/java/dev/attnc/backend/cuda/CudaDeviceTensorGpuTest.java runtime/src/test/java/dev/attnc/backend/{PagedCaches,DeviceTensors}.java \
        bench/src/main/java/dev/attnc/bench/StackSampler.java
    fi
    du -sh "$dev"
    ;;
  pack-alt)
    set -e
    alt=$(cd "${2:?pack-alt DIR: another checkout}" && pwd)
    [[ -d $dev/classes ]] || { echo "pack-alt: pack this tree first" >&2; exit 2; }
    name=${3:-alt}
    [[ $name =~ ^alt[0-9]*$ ]] || { echo "pack-alt: NAME is alt, alt2, alt3 ..." >&2; exit 2; }
    (cd "$alt" && bash bench/gpu/cuda-device.sh pack >/dev/null)
    rm -rf "$dev/$name-classes" && cp -r "$alt/$dev/classes" "$dev/$name-classes"
    echo "$name: $(git -C "$alt" log --oneline -1)" | tee "$dev/$name-classes/ALT"
    du -sh "$dev"
    ;;
  serving)
    nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.mem --format=csv,noheader || true
    [[ -f $dev/full/attnc.jar ]] || { echo "serving: pack after a build (no $dev/full/attnc.jar)" >&2; exit 2; }
    java_="bash $dev/boot.sh java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Xss16m"
    full=$dev/full/attnc.jar:$dev/full/examples:$dev/full/test-classes
    cp=$dev/classes:$(ls "$dev"/lib/*.jar | tr '\n' ':')
    rc=0
    # the figures first (a call that runs out of time still brings them back), then the tests
    [[ ${SERVING_DECODE_BENCH:-1} == 1 ]] && timeout 200 bash bench/gpu/decode.sh 2>&1 | tail -30
    timeout 120 $java_ -cp "$full" dev.attnc.examples.DecodeStepOverhead cuda 8 32 8 32768 128 50 2>&1 | tee "$out/step-overhead.txt"
    # where a device-tensor step's host time goes: that phase alone, long enough to dominate the sample
    timeout 90 $java_ -Dsampler.within=dev.attnc.AttentionKernel.run -Dsampler.skip=dev.attnc.backend.cuda.CudaBackend.module \
      -cp "$full" dev.attnc.bench.StackSampler \
      dev.attnc.examples.DecodeStepOverhead cuda 8 32 8 32768 128 3000 device > "$out/step-overhead-stacks.txt" 2>&1
    head -4 "$out/step-overhead-stacks.txt"; sed -n '/call tree/,$p' "$out/step-overhead-stacks.txt" | head -${SERVING_TREE_LINES:-70}
    timeout 90 $java_ -cp "$full" dev.attnc.examples.DecodeLoop --target cuda --check 2>&1 | tee "$out/decode-loop.txt" | tail -6
    timeout 90 $java_ -jar $dev/lib/$junit execute --disable-banner --disable-ansi-colors --details=summary -cp "$full:$(ls "$dev"/lib/*.jar | grep -v antlr | tr '\n' ':')" \
      --select-class dev.attnc.backend.cuda.CudaDeviceTensorGpuTest 2>&1 | tee "$out/tests-device-tensor.log" | grep -E 'tests (successful|failed)|=>' | head -20 || rc=$?
    [[ ${SERVING_DECODE_TESTS:-1} == 0 ]] && exit $rc # the caller runs them with the package's tests
    # --details=verbose prints each test as it starts: a crash of the JVM still says where it was
    timeout ${DECODE_TEST_TIMEOUT:-240} $java_ -jar $dev/lib/$junit execute --disable-banner --disable-ansi-colors --details=verbose -cp "$cp" \
      --select-class dev.attnc.backend.cuda.CudaDecodeGpuTest > "$out/tests-decode.log" 2>&1 || rc=$?
    grep -E 'tests (successful|failed)|MethodSource|=>' "$out/tests-decode.log" | head -40; tail -${DECODE_LOG_TAIL:-5} "$out/tests-decode.log"
    exit $rc
    ;;
  tests)
    nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.mem,temperature.gpu --format=csv,noheader || true
    cp=$dev/classes:$(ls "$dev"/lib/*.jar | tr '\n' ':')
    rc=0
    # wgmma facts (descriptors, fragments) on this GPU first: the Hopper path relies on them
    nvcc -gencode arch=compute_90a,code=sm_90a -o /tmp/wgmma_probe bench/gpu/probe/wgmma_probe.cu && /tmp/wgmma_probe | tee "$out/ptxas.txt"
    # every sample, once per TEST_MODES entry (default "default mma"; one mode fills most of a device
    # call): default (the warp-specialized kernel on Hopper), wgmma (the FA2 loop on wgmma, and the
    # backward on wgmma), mma (mma.sync everywhere); TEST_SELECT narrows them (e.g.
    # "--select-class dev.attnc.backend.cuda.CudaBackwardGpuTest")
    # TEST_TREE=alt2 (say): the tests and kernels of a tree that pack-alt packed, instead of this one's
    [[ -n ${TEST_TREE:-} ]] && { cp=$dev/$TEST_TREE-classes:$(ls "$dev"/lib/*.jar | tr '\n' ':'); cat "$dev/$TEST_TREE-classes/ALT"; }
    for mode in ${TEST_MODES:-default mma}; do
      flag=""; [[ $mode != default ]] && flag="-Dattnc.cuda.engine=$mode"
      timeout ${TEST_TIMEOUT:-330} bash $dev/boot.sh java --enable-native-access=ALL-UNNAMED -Xss8m $flag -jar $dev/lib/$junit execute \
        --disable-banner --disable-ansi-colors --details=summary -cp "$cp" ${TEST_SELECT:---select-package dev.attnc.backend.cuda} \
        2>&1 | tee "$out/tests-$mode.log" | grep -E '^\[cuda\] [A-Z]|FAIL|tests (successful|failed)|Exception|Error' | head -100 || rc=$?
    done
    [[ ${TEST_SASS:-1} == 0 ]] && exit $rc   # TEST_SASS=0: the tests alone
    # ptxas and SASS of a golden kernel (alibi + soft-cap, 128x64, 4 warps, bf16, D = 128)
    g=compiler/src/test/resources/golden/cuda/alibi_softcap.cu
    nvcc -cubin -arch=sm_90 -Xptxas -v -o /tmp/k.cubin $g 2>&1 | grep -E 'registers|spill' | tee -a "$out/ptxas.txt"
    # the Hopper kernel (128x128, two consumer warpgroups, D = 128) of every sample: spills and SASS
    sass

    cuobjdump -sass /tmp/k.cubin > /tmp/k.sass 2>/dev/null && {
      for op in HMMA LDSM LDGSTS MUFU.EX2 MUFU.TANH LDL STL BAR.SYNC SHFL; do
        printf '%-10s %s\n' $op "$(grep -c "$op" /tmp/k.sass)"; done | tee -a "$out/ptxas.txt"; }
    exit $rc
    ;;
  bench)
    bash bench/gpu/compare.sh
    ;;
  sass)
    sass
    ;;
  *)
    echo "usage: $0 pack|tests|bench|sass|serving" >&2
    exit 2
    ;;
esac
