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
*)
    echo "usage: compare-runs.sh qemu LOG KERNEL INITRD | repeat LOG TRAPEZE ARGS..." >&2
    exit 2
    ;;
esac
