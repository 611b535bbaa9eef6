#!/bin/sh
# benches/jit-compile-cost.sh [BUILD_DIR]
# What the LLVM tier costs to compile a trace, in host instructions: repeatable, unlike the
# CPU time `-d jit` reports (which moves by 20% from run to run on the 2-core host where it
# was written). Boots the Debian guest for its first 60 million instructions with
# TRAPEZE_JIT_THRESHOLD=2000 and TRAPEZE_JIT_SYNC=1 (the guest waits for each compilation,
# so the same 25 or so traces are compiled every run), under callgrind counting only inside
# LlvmBackend::compile, and prints the traces compiled, the host instructions in all and per
# trace, and the code bytes. About 90 s. Compare two builds by running it on each: the same
# guest instructions give the same requests as long as the trace formation is the same.
#
# BUILD_DIR (default $TRAPEZE_BUILD, else build/) must hold cli/trapeze and the guest
# (cmake --build BUILD_DIR --target linux-guest).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/.." && pwd)
build=$(cd "${1:-${TRAPEZE_BUILD:-$src/build}}" && pwd)
kernel=$build/corpus-cache/vmlinuz
initrd=$build/corpus/linux/initramfs.cpio.gz
[ -x "$build/cli/trapeze" ] || { echo "$build/cli/trapeze missing: cmake --build $build --target trapeze" >&2; exit 1; }
command -v valgrind > /dev/null || { echo "valgrind not installed" >&2; exit 1; }
if [ ! -f "$initrd" ] || [ ! -f "$kernel" ]; then
    cmake --build "$build" --target linux-guest > /dev/null
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp "$build/cli/trapeze" "$tmp/"
# (TRAPEZE_JIT_COUNT=0: the traces a plain run compiles, without -d jit's execution counts.)
TRAPEZE_JIT_COUNT=0 TRAPEZE_JIT_SYNC=1 TRAPEZE_JIT_THRESHOLD=2000 valgrind --tool=callgrind --callgrind-out-file="$tmp/cg.out" \
    --collect-atstart=no --toggle-collect='*LlvmBackend::compile*' \
    "$tmp/trapeze" run pc -m 256 -kernel "$kernel" -initrd "$initrd" \
    -append "console=ttyS0 acpi=off noapic nolapic" -rtc base=2024-01-01 -no-reboot \
    --max-insns 60000000 -serial null -d jit > "$tmp/out" 2>&1 || {
    # --max-insns ends the run with status 3: anything else is a failure.
    grep -q 'instruction limit' "$tmp/out" || { tail -5 "$tmp/out" >&2; exit 1; }; }
total=$(sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$tmp/out")
traces=$(sed -n 's/^jit: traces: \([0-9]*\) compiled.*/\1/p' "$tmp/out")
bytes=$(sed -n 's/^jit: compile time.*code: \([0-9]*\) bytes.*/\1/p' "$tmp/out")
[ -n "$total" ] && [ -n "$traces" ] && [ "$traces" -gt 0 ] || { echo "no compile statistics:" >&2; tail -5 "$tmp/out" >&2; exit 1; }
commit=$(git -C "$src" rev-parse --short HEAD 2>/dev/null || echo unknown)
printf 'jit-compile-cost: %s (commit %s)\n' "$build/cli/trapeze" "$commit"
printf '  traces compiled: %d (%d code bytes, %d a trace)\n' "$traces" "$bytes" "$((bytes / traces))"
printf '  host instructions compiling: %d (%d a trace)\n' "$total" "$((total / traces))"
