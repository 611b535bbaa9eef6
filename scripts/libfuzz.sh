#!/bin/sh
# scripts/libfuzz.sh [SECONDS]
# Builds the libFuzzer targets (tests/libfuzzer) with clang, ASan and UBSan in
# ./build-libfuzzer and runs each for SECONDS (default 60) from an empty corpus kept under
# build-libfuzzer/corpus-<target>, with a fixed seed. Any crash, sanitizer report, leak or
# timeout fails (libFuzzer writes the input that reproduces it to build-libfuzzer/).
set -eu
cd "$(dirname "$0")/.."
secs=${1:-60}
CC=clang-14 CXX=clang++-14 cmake -S . -B build-libfuzzer -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DTRAPEZE_LIBFUZZER=ON -DTRAPEZE_SANITIZE=address,undefined > build-libfuzzer-configure.log 2>&1 \
    || { cat build-libfuzzer-configure.log; exit 1; }
targets="x86_decode_fuzzer vax_decode_fuzzer"
# shellcheck disable=SC2086
cmake --build build-libfuzzer --target $targets -j"$(nproc)"
for t in $targets; do
    mkdir -p "build-libfuzzer/corpus-$t"
    (cd build-libfuzzer && "tests/libfuzzer/$t" -seed=20261203 -max_total_time="$secs" -timeout=10 \
        -print_final_stats=1 "corpus-$t")
done
echo "libfuzz.sh: no crash, sanitizer report, leak or timeout"
