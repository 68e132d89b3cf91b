set -u
dev=.cuda-device; out=${OUT:-/tmp/o}; mkdir -p $out
cp=$dev/classes:$(ls $dev/lib/*.jar | tr '\n' ':')
J="bash $dev/boot.sh java --enable-native-access=ALL-UNNAMED -Xss8m"
junit=$dev/lib/junit-platform-console-standalone-1.13.4.jar
timeout 200 $J -jar $junit execute --disable-banner --disable-ansi-colors --details=tree -cp "$cp" \
  --select-method dev.attnc.backend.cuda.CudaBackendGpuTest#hopperShapesAndPersistentBlocks > $out/smoke.log 2>&1
rc=$?
grep -E "tests (successful|failed)|\[cuda\] [A-Z]" $out/smoke.log | head; grep -E "✘" $out/smoke.log | head -20
echo "smoke rc=$rc"
[[ $rc == 0 ]] || { tail -50 $out/smoke.log; exit 1; }
TEST_MODES=default TEST_TIMEOUT=240 bash bench/gpu/cuda-device.sh tests > $out/tests.out 2>&1; echo "tests rc=$?"
grep -E "tests (successful|failed)|FAIL|HGMMA" $out/tests.out | head -20
CMP_VARIANTS=full,causal,softcap,document CMP_TILES=128x128/8h,128x128/8h3,128x128/8w timeout 280 bash bench/gpu/compare.sh > $out/bench.out 2>&1
tail -12 $out/bench.out
