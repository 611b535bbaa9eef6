#!/bin/sh
# scripts/libfuzz.sh [SECONDS]   (TARGETS="a b" to run only some; BUILD=DIR instead of build-libfuzzer)
# Builds the libFuzzer targets (tests/libfuzzer) with clang, ASan and UBSan in
# ./build-libfuzzer and runs each for SECONDS (default 60) from an empty corpus kept under
# build-libfuzzer/corpus-<target>, with a fixed seed. Any crash, sanitizer report, leak or
# timeout fails (libFuzzer writes the input that reproduces it to build-libfuzzer/).
set -eu
cd "$(dirname "$0")/.."
secs=${1:-60}
b=${BUILD:-build-libfuzzer}
CC=clang-14 CXX=clang++-14 cmake -S . -B "$b" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DTRAPEZE_LIBFUZZER=ON -DTRAPEZE_SANITIZE=address,undefined > "$b-configure.log" 2>&1 \
    || { cat "$b-configure.log"; exit 1; }
targets=${TARGETS:-"x86_decode_fuzzer vax_decode_fuzzer linux_boot_fuzzer vax_image_fuzzer cli_args_fuzzer"}
# shellcheck disable=SC2086
cmake --build "$b" --target $targets -j"$(nproc)"
for t in $targets; do
    mkdir -p "$b/corpus-$t"
    # The loader fuzzer starts from a bzImage that loads (16 MB, a 4 KB initrd, an 8-byte
    # command line): random bytes rarely get past the "HdrS" check.
    if [ "$t" = linux_boot_fuzzer ] && [ ! -f "$b/corpus-$t/tiny" ]; then
        nasm -f bin -o "$b/tiny.bzImage" tests/cli/tiny_bzimage.asm
        { printf '\017\000\020\000\010\000'; cat "$b/tiny.bzImage"; } > "$b/corpus-$t/tiny"
    fi
    (cd "$b" && "tests/libfuzzer/$t" -seed=20261203 -max_total_time="$secs" -timeout=10 \
        -print_final_stats=1 "corpus-$t")
done
echo "libfuzz.sh: no crash, sanitizer report, leak or timeout"
