#!/bin/sh
# scripts/fuzz.sh [SECONDS]
#   The hostile-guest campaigns under AddressSanitizer and UndefinedBehaviorSanitizer
#   (docs/fuzzing.md): builds trapeze in ./build-asan with -DTRAPEZE_SANITIZE=address,undefined,
#   then runs crashme and iofuzz on the PC and the MicroVAX 3900 for SECONDS (default 60) each,
#   with a fixed seed and a random one (printed, so that a failure can be reproduced).
# scripts/fuzz.sh --ci BUILD_DIR [SECONDS]
#   What the default test suite runs (the fuzz.sanitized_campaigns test): builds only
#   trapeze-fuzz (the campaigns without the LLVM tier and the analysis) with ASan+UBSan in
#   BUILD_DIR (kept: a second run does not rebuild), and runs crashme and iofuzz on both
#   machines for SECONDS (default 15) each, fixed seed and random seed.
# Any sanitizer report (every one is fatal), leak, crash or hang fails.
set -eu
cd "$(dirname "$0")/.."
if [ "${1:-}" = "--ci" ]; then
    build=$2
    secs=${3:-15}
    run="$build/cli/trapeze-fuzz"
    target=trapeze-fuzz
    campaigns="crashme:pc iofuzz:pc crashme:microvax3900 iofuzz:microvax3900"
else
    build=build-asan
    secs=${1:-60}
    run="$build/cli/trapeze fuzz"
    target=trapeze
    campaigns="crashme:pc iofuzz:pc crashme:microvax3900 iofuzz:microvax3900"
fi
if [ ! -f "$build/build.ninja" ]; then
    cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTRAPEZE_SANITIZE=address,undefined \
        -DTRAPEZE_TESTS=OFF > "$build.configure.log" 2>&1 || { cat "$build.configure.log"; exit 1; }
fi
start=$(date +%s)
cmake --build "$build" --target "$target" -j"$(nproc)"
echo "fuzz.sh: sanitizer build of $target: $(( $(date +%s) - start )) s"
export ASAN_OPTIONS=abort_on_error=1:detect_leaks=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
# The random seed is drawn here and printed, so that the line above a failure reproduces it.
random=$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')
for seed in 20261203 "$random"; do
    for c in $campaigns; do
        echo "fuzz.sh: $run ${c%%:*} --machine ${c#*:} --seed $seed --seconds $secs"
        # The watchdog of the watchdog: a campaign that overruns its time by a minute is a hang.
        # shellcheck disable=SC2086
        timeout $((secs + 60)) $run "${c%%:*}" --machine "${c#*:}" --seed "$seed" --seconds "$secs" \
            || { echo "fuzz.sh: FAILED (status $?): ${c%%:*} --machine ${c#*:} --seed $seed"; exit 1; }
    done
done
echo "fuzz.sh: no sanitizer report, leak, crash or hang"
