#!/usr/bin/env bash
# Smoke test of the CUDA driver/NVRTC bindings (package dev.attnc.ffm.cuda) on the GPU machine.
#
#   bench/gpu/ffm-smoke.sh pack   here: compiles the package and its tests with javac alone (the
#                                 runtime module need not build as a whole) into .device/classes,
#                                 adds the JUnit console launcher, and runs ../shared/device/pack
#   bench/gpu/ffm-smoke.sh run    there (device tool, carry [".device"]): runs every test of the
#                                 package, the @Tag("gpu") ones included; log in $OUT when set
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)   # the device's copy of the tree has no .git
cd "$top"
junit=org/junit/platform/junit-platform-console-standalone/1.13.4/junit-platform-console-standalone-1.13.4.jar

case "${1:-}" in
  pack)
    export JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
    [[ -f ~/.m2/repository/$junit ]] || mvn -q -B dependency:get \
      -Dartifact=org.junit.platform:junit-platform-console-standalone:1.13.4
    "$top/../shared/device/pack" ~/.m2/repository/$junit
    rm -rf .device/classes
    src=runtime/src/main/java/dev/attnc
    "$JAVA_HOME/bin/javac" --release 25 -nowarn -d .device/classes "$src"/AttnInputException.java \
      "$src"/DeviceException.java "$src"/DeviceUnavailableException.java "$src"/ffm/cuda/*.java
    "$JAVA_HOME/bin/javac" --release 25 -nowarn -cp .device/classes:.device/$(basename $junit) \
      -d .device/classes runtime/src/test/java/dev/attnc/ffm/cuda/*.java
    ;;
  run)
    nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.mem --format=csv,noheader || true
    log=${OUT:-/tmp}/ffm-smoke.log
    rc=0
    bash .device/boot.sh java --enable-native-access=ALL-UNNAMED -jar .device/$(basename $junit) execute \
      --disable-banner --disable-ansi-colors --details=tree -cp .device/classes \
      --select-package dev.attnc.ffm.cuda 2>&1 | tee "$log" || rc=$?
    # Once more without ATTNC_NVRTC (boot.sh sets it): NVRTC must be found by the search alone.
    env -u ATTNC_NVRTC /tmp/attnc-jre/jre/bin/java --enable-native-access=ALL-UNNAMED -jar .device/$(basename $junit) \
      execute --disable-banner --disable-ansi-colors --details=summary -cp .device/classes \
      --select-method dev.attnc.ffm.cuda.CudaGpuTest#compileErrorCarriesTheNvrtcLog 2>&1 \
      | grep -E '^\[ffm\]|tests (successful|failed)' || rc=$?
    exit $rc
    ;;
  *)
    echo "usage: $0 pack|run" >&2
    exit 2
    ;;
esac
