#!/bin/sh
# scripts/fuzz.sh [SECONDS]
# The hostile-guest campaigns under AddressSanitizer and UndefinedBehaviorSanitizer
# (docs/fuzzing.md): builds trapeze in ./build-asan with -DTRAPEZE_SANITIZE=address,undefined,
# then runs crashme and iofuzz on the PC for SECONDS (default 60) each, with a fixed seed and a random one
# (printed, so that a failure can be reproduced). Any sanitizer report, crash or hang fails.
set -eu
cd "$(dirname "$0")/.."
secs=${1:-60}
cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTRAPEZE_SANITIZE=address,undefined \
    > build-asan-configure.log 2>&1 || { cat build-asan-configure.log; exit 1; }
cmake --build build-asan --target trapeze -j"$(nproc)"
export ASAN_OPTIONS=abort_on_error=1:detect_leaks=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
for seed in 20261203 random; do
    # The watchdog of the watchdog: a campaign that overruns its time by a minute is a hang.
    timeout $((secs + 60)) build-asan/cli/trapeze fuzz crashme --machine pc --seed "$seed" --seconds "$secs"
    timeout $((secs + 60)) build-asan/cli/trapeze fuzz iofuzz --machine pc --seed "$seed" --seconds "$secs"
done
echo "fuzz.sh: no sanitizer report, crash or hang"
