#!/bin/sh
# scripts/libfuzz.sh [SECONDS]   (TARGETS="a b" to run only some; BUILD=DIR instead of build-libfuzzer)
#   Builds the libFuzzer targets (tests/libfuzzer) with clang, ASan and UBSan in
#   ./build-libfuzzer and runs each for SECONDS (default 60) with a fixed seed, from the corpus
#   kept under build-libfuzzer/corpus-<target> (and the seed inputs below).
# scripts/libfuzz.sh --ci BUILD_DIR [SECONDS]   (TARGETS as above)
#   What the default test suite runs (the fuzz.libfuzzer_targets test): configures BUILD_DIR
#   with clang-14, -DTRAPEZE_LIBFUZZER=ON and ASan+UBSan if it is not configured yet (the tree
#   is kept: a second run only checks it is up to date), builds only the fuzzers and the
#   libraries they link, and runs each target for SECONDS (default 10) with the fixed seed and
#   with a random one (drawn here and printed) side by side, each from an empty corpus plus the
#   seed inputs, its log in BUILD_DIR/ci-logs.
# Any crash, sanitizer report, leak or timeout (an input running over 10 s, or a target running
# a minute past its time) fails; libFuzzer writes the input that reproduces it to the build
# directory (crash-*, leak-*, timeout-*) and prints its name.
set -eu
cd "$(dirname "$0")/.."
all="x86_decode_fuzzer vax_decode_fuzzer linux_boot_fuzzer vax_image_fuzzer cli_args_fuzzer pc_rom_fuzzer \
disk_image_fuzzer tape_image_fuzzer"
targets=${TARGETS:-$all}
if [ "${1:-}" = "--ci" ]; then
    ci=1
    b=$2
    secs=${3:-10}
else
    ci=0
    b=${BUILD:-build-libfuzzer}
    secs=${1:-60}
fi
if [ $ci = 0 ] || [ ! -f "$b/build.ninja" ]; then
    CC=clang-14 CXX=clang++-14 cmake -S . -B "$b" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        -DTRAPEZE_LIBFUZZER=ON -DTRAPEZE_SANITIZE=address,undefined -DTRAPEZE_TESTS=OFF \
        > "$b-configure.log" 2>&1 || { cat "$b-configure.log"; exit 1; }
fi
start=$(date +%s)
# shellcheck disable=SC2086
cmake --build "$b" --target $targets -j"$(nproc)"
echo "libfuzz.sh: build of the libFuzzer targets: $(( $(date +%s) - start )) s"
b=$(cd "$b" && pwd)

# Seed inputs, one directory per target that has any (read, never written to). Random bytes
# rarely get past a format's first check; these start the fuzzers inside the formats.
seeds="$b/seeds"
mkdir -p "$seeds/linux_boot_fuzzer" "$seeds/pc_rom_fuzzer" "$seeds/disk_image_fuzzer" "$seeds/tape_image_fuzzer" \
    "$seeds/vax_image_fuzzer"
# A bzImage that loads (16 MB, a 4 KB initrd, an 8-byte command line).
if [ ! -f "$seeds/linux_boot_fuzzer/tiny" ]; then
    nasm -f bin -o "$b/tiny.bzImage" tests/cli/tiny_bzimage.asm
    { printf '\017\000\020\000\010\000'; cat "$b/tiny.bzImage"; } > "$seeds/linux_boot_fuzzer/tiny"
fi
# A 64 KB ROM (mode 1, fill HLT, 1,000 instructions, 1 MB, i386) whose reset vector programs the
# PIT for a periodic interrupt, posts a code to port 0x80 and waits with STI; HLT.
# The code sits just below the reset vector (F000:FFF0), which jumps back to it.
{
    printf '\001\364\100\260\064\346\103\260\000\346\100\346\100\260\125\346\200\373\364\353\375'
    printf '\353\354\364\364\364\364\364\364\364\364\364\364\364\364\364\364'
} > "$seeds/pc_rom_fuzzer/pit"
# A 64 KB ROM (mode 1, fill 0, 500 instructions, 2 MB, i386) whose third instruction triple
# faults (a push with SP = 1): the stop message is the triple-fault report, the one stop whose
# message has more than one line (found by a random seed, 2026-12-04).
printf '\311\000\001\000\064\104\123\260\364\364\364\364\364\364\364\364\200\373\364\353\375\353\354\364\364\364\364\364\364\364\364\364\364\364\364\364\364' > "$seeds/pc_rom_fuzzer/triple"
# A 1 KB NVRAM file (selector 2: --nvram), also the start of a 128 KB ROM of NOPs then HALTs.
{ printf '\002\000\000\000\000\000'; head -c 1024 /dev/zero | tr '\000' '\001'; } > "$seeds/vax_image_fuzzer/nvram"
# The fuzzers' commands are 16 bytes: opcode index, unit, modifier (2), then three longwords
# (byte or record count, buffer address or tape mark count, LBN); tests/libfuzzer/uqssp_host.h.
cmd() {  # cmd OPINDEX MOD_LOW COUNT_LOW COUNT_HIGH_BYTE: a command with small fields, in octal
    # shellcheck disable=SC2059 # the octal escapes are built from the arguments on purpose
    printf "\\$1\\000\\$2\\000\\$3\\$4\\000\\000\\000\\000\\000\\000\\000\\000\\000\\000"
}
# Tape: READ 512, READ, REPOSITION reverse 1 record, READ, REPOSITION rewind by objects 3,
# READ x3; then records of 4, 3 (odd: padded) and 1 byte with tape marks, and the EOM marker.
{
    cmd 000 000 000 002; cmd 000 000 000 002; cmd 001 010 001 000; cmd 000 000 000 002
    cmd 001 006 003 000; cmd 000 000 000 002; cmd 000 000 000 002; cmd 000 000 000 002
    printf '\004\000\000\000abcd\004\000\000\000\003\000\000\000xyz\000\003\000\000\000\000\000\000\000'
    printf '\001\000\000\000q\000\001\000\000\000\000\000\000\000\000\000\000\000\377\377\377\377'
} > "$seeds/tape_image_fuzzer/tape"
# Disk: an RA82 at unit 0, READ 1024, WRITE 512, READ 1024, ERASE 512, READ, then an image of
# 700 bytes (a block and a part).
{
    printf '\000\000'
    cmd 000 000 000 004; cmd 001 000 000 002; cmd 000 000 000 004; cmd 004 000 000 002
    cmd 000 000 000 004; cmd 000 000 000 004; cmd 007 000 000 000; cmd 011 000 000 000
    head -c 700 /dev/zero | tr '\000' 'D'
} > "$seeds/disk_image_fuzzer/disk"

export ASAN_OPTIONS=abort_on_error=1:detect_leaks=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
fuzz() {  # fuzz TARGET SEED CORPUS_DIR: one run; libFuzzer's status
    # The watchdog of the watchdog: a target that overruns its time by a minute is a hang.
    # shellcheck disable=SC2046
    (cd "$b" && timeout $((secs + 60)) "tests/libfuzzer/$1" -seed="$2" -max_total_time="$secs" -timeout=10 \
        -print_final_stats=1 -artifact_prefix="$b/" "$3" $(ls -d "$seeds/$1" 2>/dev/null))
}
if [ $ci = 1 ]; then
    # The random seed is drawn here and printed, so that the lines above a failure reproduce it.
    random=$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')
    echo "libfuzz.sh: seeds 20261203 and $random (random), $secs s per target and seed"
    logs="$b/ci-logs"
    mkdir -p "$logs"
    start_run() {  # start_run TARGET SEED: in the background, from an empty corpus; $! is its pid
        rm -rf "$b/ci-corpus/$1-$2" && mkdir -p "$b/ci-corpus/$1-$2"
        fuzz "$1" "$2" "$b/ci-corpus/$1-$2" > "$logs/$1-$2.log" 2>&1 &
    }
    check_run() {  # check_run TARGET SEED PID: waits; says what the run did; its status
        rc=0
        wait "$3" || rc=$?
        if [ $rc = 0 ]; then
            echo "libfuzz.sh: $1 -seed=$2 -max_total_time=$secs: $(grep -h 'stat::number_of_executed_units' \
                "$logs/$1-$2.log" | awk '{print $2}') runs, nothing found"
        else
            tail -n 80 "$logs/$1-$2.log"
            echo "libfuzz.sh: FAILED (status $rc): $1 -seed=$2 (log $logs/$1-$2.log, the input in $b/)"
        fi
        return $rc
    }
    for t in $targets; do
        # Both seeds of a target at once, one per core: the runs are bounded in time, so this
        # halves the test's wall time (a loaded machine only makes them run fewer inputs).
        start_run "$t" 20261203
        fixed_pid=$!
        start_run "$t" "$random"
        random_pid=$!
        status=0
        check_run "$t" 20261203 "$fixed_pid" || status=1
        check_run "$t" "$random" "$random_pid" || status=1
        [ $status = 0 ] || exit 1
    done
else
    for t in $targets; do
        mkdir -p "$b/corpus-$t"
        echo "libfuzz.sh: $t -seed=20261203 -max_total_time=$secs"
        fuzz "$t" 20261203 "$b/corpus-$t" || { echo "libfuzz.sh: FAILED (status $?): $t -seed=20261203 (the input in $b/)"; exit 1; }
    done
fi
echo "libfuzz.sh: no crash, sanitizer report, leak or timeout"
