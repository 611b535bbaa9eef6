#!/bin/sh
# Guest-level comparisons for the Debian guest (used by ctest, labels guest;long).
#
#   compare-runs.sh qemu LOG KERNEL INITRD
#       Boots the same kernel and initramfs under qemu-system-i386 -cpu pentium2 and compares
#       the commands' output (between the two TRAPEZE-MARKER lines) with trapeze's console
#       log LOG. Lines that depend on timing or on the CPU model's CPUID are left out (see
#       docs/linux-boot.md). Exit 77 (skipped) when qemu-system-i386 is not installed.
#   compare-runs.sh repeat LOG TRAPEZE ARGS...
#       Runs TRAPEZE ARGS... again and requires its console output to equal LOG byte for byte
#       (same -icount and -rtc base=: guest time comes from the instruction count).
#   compare-runs.sh jit-cache LOG DIR TRAPEZE ARGS...
#       Empties DIR, then runs TRAPEZE ARGS... --engine=jit --jit-cache DIR -d jit twice: the
#       first run fills the cache, the second loads traces from it; both must print LOG byte
#       for byte, and the second must have run code loaded from the cache.
set -eu
mode=$1
shift
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

commands() {
    # The commands' output; cpuinfo lines whose values are timing (cpu MHz, bogomips) or
    # the CPUID of the model (flags, bugs, cache size, microcode, address sizes) differ
    # between trapeze's pentium2 and QEMU's.
    tr -d '\r' <"$1" | sed -n '/^TRAPEZE-MARKER: init reached/,/^TRAPEZE-MARKER: done/p' |
        grep -Ev '^(cpu MHz|bogomips|flags|bugs|cache size|microcode|address sizes)[[:space:]]*:'
}

case $mode in
qemu)
    log=$1 kernel=$2 initrd=$3
    command -v qemu-system-i386 >/dev/null 2>&1 || { echo "qemu-system-i386 not installed: skipped"; exit 77; }
    timeout 300 qemu-system-i386 -cpu pentium2 -m 128 -nographic -no-reboot -kernel "$kernel" -initrd "$initrd" \
        -append "console=ttyS0 acpi=off noapic nolapic" </dev/null >"$tmp/qemu.log" 2>&1 || true
    commands "$tmp/qemu.log" >"$tmp/qemu.out"
    commands "$log" >"$tmp/trapeze.out"
    if ! grep -q '^TRAPEZE-MARKER: done' "$tmp/qemu.out"; then
        echo "QEMU did not reach the second marker:"; tail -20 "$tmp/qemu.log"; exit 1
    fi
    if ! diff -u "$tmp/qemu.out" "$tmp/trapeze.out"; then
        echo "the guest's command output differs from QEMU's (- qemu, + trapeze)"; exit 1
    fi
    echo "command output identical to QEMU's ($(wc -l <"$tmp/trapeze.out") lines compared)"
    ;;
repeat)
    log=$1
    shift
    "$@" </dev/null >"$tmp/again.log" 2>"$tmp/again.err" || { echo "exit status $?"; cat "$tmp/again.err"; exit 1; }
    if ! cmp -s "$log" "$tmp/again.log"; then
        diff -u "$log" "$tmp/again.log" | head -40
        echo "a second run with the same -icount printed different console output"; exit 1
    fi
    echo "second run identical ($(wc -l <"$log") lines)"
    ;;
jit-cache)
    log=$1 dir=$2
    shift 2
    rm -rf "$dir"
    for run in cold warm; do
        "$@" --engine=jit --jit-cache "$dir" -d jit </dev/null >"$tmp/$run.log" 2>"$tmp/$run.err" ||
            { echo "$run run: exit status $?"; cat "$tmp/$run.err"; exit 1; }
        if ! cmp -s "$log" "$tmp/$run.log"; then
            diff -u "$log" "$tmp/$run.log" | head -40
            echo "the $run run with --jit-cache printed different console output"; exit 1
        fi
        grep '^jit: disk cache' "$tmp/$run.err" || { echo "$run run: no disk cache figures"; cat "$tmp/$run.err"; exit 1; }
    done
    loaded=$(sed -n 's/^jit: disk cache .*: \([0-9]*\) of the traces loaded from it.*/\1/p' "$tmp/warm.err")
    # (Most of a boot's traces are formed the same way twice: hundreds are loaded on an idle
    # host; fewer when the first run's compiling thread shared its core.)
    [ "${loaded:-0}" -ge 20 ] || { echo "the warm run loaded ${loaded:-no} traces from the cache"; exit 1; }
    echo "both runs identical ($(wc -l <"$log") lines); the second loaded $loaded traces from the cache"
    rm -rf "$dir"
    ;;
*)
    echo "usage: compare-runs.sh qemu LOG KERNEL INITRD | repeat LOG TRAPEZE ARGS... | jit-cache LOG DIR TRAPEZE ARGS..." >&2
    exit 2
    ;;
esac
