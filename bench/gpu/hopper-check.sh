# One device call for the Hopper kernel: the benchmark shape with each overlap turned off in turn,
# B=8 S=2048 D=64 with several tile shapes, then spills and SASS of every sample.
set -u
out=${OUT:-/tmp/o}; mkdir -p $out
CMP_TILES=128x128/8h,128x128/8h:noov,128x128/8h:nopp,128x128/8h:nopers,128x128/8w timeout 290 bash bench/gpu/compare.sh > $out/bench-8192.out 2>&1
tail -14 $out/bench-8192.out | head -12
CMP_SHAPE=8,16,2048,64 CMP_TILES=128x128/8h,128x128/8h3,192x128/12h,192x128/12h3,128x64/8h timeout 200 bash bench/gpu/compare.sh > $out/bench-2048.out 2>&1
tail -14 $out/bench-2048.out | head -12
timeout 90 bash bench/gpu/cuda-device.sh sass > /dev/null 2>&1; cat $out/sass.txt
