#!/bin/sh
# benches/linux-boot.sh [BUILD_DIR]
# Wall time from start to the guest's first marker ("TRAPEZE-MARKER: init reached") and to the
# end of its /init ("TRAPEZE-MARKER: done") for the Debian i386 guest, under trapeze's
# interpreter, trapeze's JIT, and qemu-system-i386 (TCG) with the same kernel, initramfs and
# command line, in one run; the ratios are to QEMU. The guest is fetched and built first
# (cmake target linux-guest). Also prints each engine's guest MIPS from its own summary. The
# JIT runs twice: with nothing compiled yet, and with a --jit-cache directory filled by
# earlier boots (LINUX_BOOT_CACHE_FILL, default 2, not timed). trapeze's legs fix the RTC
# date (-rtc base=2024-01-01) so that every boot runs the same guest code.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:-$here/../build}" && pwd)
trapeze=$build/cli/trapeze
cmake --build "$build" --target trapeze linux-guest >/dev/null
kernel=$build/corpus-cache/vmlinuz
initrd=$build/corpus/linux/initramfs.cpio.gz
append="console=ttyS0 acpi=off noapic nolapic"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

now() { date +%s.%N; }

# NAME COMMAND... -> "seconds_to_first_marker seconds_to_done" ; the console goes to $tmp/NAME.log
time_to_markers() {
    name=$1; shift
    t0=$(now); t1=""; t2=""
    "$@" < /dev/null > "$tmp/$name.log" 2> "$tmp/$name.err" &
    pid=$!
    while kill -0 $pid 2>/dev/null; do
        if [ -z "$t1" ] && grep -q 'TRAPEZE-MARKER: init reached' "$tmp/$name.log"; then t1=$(now); fi
        if [ -z "$t2" ] && grep -q 'TRAPEZE-MARKER: done' "$tmp/$name.log"; then t2=$(now); fi
        sleep 0.05
    done
    # (A run may end between two polls: the markers are then in the log already.)
    [ -n "$t1" ] || ! grep -q 'TRAPEZE-MARKER: init reached' "$tmp/$name.log" || t1=$(now)
    [ -n "$t2" ] || ! grep -q 'TRAPEZE-MARKER: done' "$tmp/$name.log" || t2=$(now)
    wait $pid 2>/dev/null || true
    [ -n "$t1" ] && [ -n "$t2" ] || { echo "$name did not reach both markers:" >&2; tail -5 "$tmp/$name.log" "$tmp/$name.err" >&2; exit 1; }
    echo "$(echo "$t1 - $t0" | bc -l) $(echo "$t2 - $t0" | bc -l)"
}

set -- $(time_to_markers interp "$trapeze" run pc -m 128 -kernel "$kernel" -initrd "$initrd" -append "$append" -no-reboot --engine=interp -rtc base=2024-01-01)
i1=$1; i2=$2
set -- $(time_to_markers jit "$trapeze" run pc -m 128 -kernel "$kernel" -initrd "$initrd" -append "$append" -no-reboot --engine=jit -rtc base=2024-01-01)
j1=$1; j2=$2
# The JIT again with a --jit-cache directory that LINUX_BOOT_CACHE_FILL earlier boots (default
# 2) filled: the same guest booted again.
fills=${LINUX_BOOT_CACHE_FILL:-2}
f=0
while [ "$f" -lt "$fills" ]; do
    f=$((f + 1))
    time_to_markers fill "$trapeze" run pc -m 128 -kernel "$kernel" -initrd "$initrd" -append "$append" -no-reboot \
        -rtc base=2024-01-01 --jit-cache "$tmp/jit-cache" > /dev/null
done
set -- $(time_to_markers jitc "$trapeze" run pc -m 128 -kernel "$kernel" -initrd "$initrd" -append "$append" -no-reboot \
    -rtc base=2024-01-01 --jit-cache "$tmp/jit-cache")
c1=$1; c2=$2
set -- $(time_to_markers qemu qemu-system-i386 -cpu pentium2 -m 128 -nographic -no-reboot -kernel "$kernel" -initrd "$initrd" -append "$append")
q1=$1; q2=$2
mips() { sed -n 's/.*(\([0-9.]*\) MIPS).*/\1/p' "$tmp/$1.err" | tail -n 1; }
printf 'Debian i386 guest (%s), -m 128, "%s"\n' "$(basename "$(readlink -f "$kernel")")" "$append"
printf '                      to init     to done    ratio to QEMU (done)   guest MIPS\n'
printf '  trapeze interp   %8.1f s  %8.1f s   %6.2fx                %s\n' "$i1" "$i2" "$(echo "$i2 / $q2" | bc -l)" "$(mips interp)"
printf '  trapeze jit      %8.1f s  %8.1f s   %6.2fx                %s\n' "$j1" "$j2" "$(echo "$j2 / $q2" | bc -l)" "$(mips jit)"
printf '  jit, warm cache  %8.1f s  %8.1f s   %6.2fx                %s   (after %d boots filled it)\n' "$c1" "$c2" \
    "$(echo "$c2 / $q2" | bc -l)" "$(mips jitc)" "$fills"
printf '  qemu-system-i386 %8.1f s  %8.1f s   %6.2fx\n' "$q1" "$q2" 1
