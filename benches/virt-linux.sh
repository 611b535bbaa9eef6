#!/bin/sh
# benches/virt-linux.sh [BUILD_DIR]
# The Debian i386 guest's boot under the trap-and-emulate monitor: wall time from start to
# the end of its /init ("TRAPEZE-MARKER: done") under `--virt=off` and `--virt=bt`, in one
# run, and the slowdown bt/off. Both runs use the command line of the guest.linux tests
# (-icount 3, -rtc base=2024-01-01), so the guest's time comes from the instruction count
# and the two serial consoles must be byte-identical: the script checks it and says so
# (exit status 1 if they differ). Each point is run VIRT_RUNS times (default 2), the minimum
# is kept. The CPU time (user+sys) of each whole run is printed too: on a shared machine it
# varies less than the wall time. Also prints the monitor's trap summary. VIRT_ENGINE picks
# the engine (default interp, as in the figures of docs/monitor.md; jit is trapeze's default).
#
# The kernel and initramfs must have been built (cmake --build BUILD --target linux-guest);
# the script builds nothing. BUILD_DIR defaults to $TRAPEZE_BUILD, else build/.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/.." && pwd)
build=$(cd "${1:-${TRAPEZE_BUILD:-$src/build}}" && pwd)
runs=${VIRT_RUNS:-2}
engine=${VIRT_ENGINE:-interp}
kernel=$build/corpus-cache/vmlinuz
initrd=$build/corpus/linux/initramfs.cpio.gz
append="console=ttyS0 acpi=off noapic nolapic"
for f in "$build/cli/trapeze" "$kernel" "$initrd"; do
    [ -f "$f" ] || { echo "$f missing: cmake --build $build --target trapeze linux-guest" >&2; exit 1; }
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# A private copy: a rebuild of the build tree during the run does not change what is measured.
cp "$build/cli/trapeze" "$tmp/trapeze"
"$tmp/trapeze" help > /dev/null 2>&1 || { echo "$build/cli/trapeze does not run (being relinked?)" >&2; exit 1; }

now() { date +%s.%N; }

# NAME VIRT -> seconds to "TRAPEZE-MARKER: done"; the console in $tmp/NAME.log, stderr in .err.
# The run goes on to the guest's reboot (-no-reboot ends it) so that the whole log is compared.
boot() {
    t0=$(now); t2=""
    : > "$tmp/$1.log"
    /usr/bin/time -o "$tmp/$1.cpu" -f '%U %S' "$tmp/trapeze" run pc -m 128 -kernel "$kernel" -initrd "$initrd" -append "$append" \
        -rtc base=2024-01-01 -icount 3 -no-reboot --virt="$2" --engine="$engine" < /dev/null > "$tmp/$1.log" 2> "$tmp/$1.err" &
    pid=$!
    while kill -0 $pid 2>/dev/null; do
        if [ -z "$t2" ] && grep -q 'TRAPEZE-MARKER: done' "$tmp/$1.log"; then t2=$(now); fi
        sleep 0.05
    done
    [ -n "$t2" ] || ! grep -q 'TRAPEZE-MARKER: done' "$tmp/$1.log" || t2=$(now)
    wait $pid 2>/dev/null || true
    [ -n "$t2" ] || { echo "$1 did not reach TRAPEZE-MARKER: done:" >&2; tail -5 "$tmp/$1.log" "$tmp/$1.err" >&2; exit 1; }
    echo "$t2 - $t0" | bc -l
}

min() { printf '%s\n' "$@" | sort -g | head -n 1; }
cpu() { tail -n 1 "$tmp/$1.cpu" | awk '{ printf "%.1f", $1 + $2 }'; }  # NAME -> user+sys seconds of the whole run
mips() { sed -n 's/.*(\([0-9.]*\) MIPS).*/\1/p' "$tmp/$1.err" | tail -n 1; }
insns() { sed -n 's/^trapeze: \([0-9]*\) instructions.*/\1/p' "$tmp/$1.err" | tail -n 1; }

commit=$(git -C "$src" rev-parse --short HEAD 2>/dev/null || echo unknown)
if [ -n "$(git -C "$src" status --porcelain --untracked-files=no 2>/dev/null)" ]; then commit="$commit+dirty"; fi
printf 'virt-linux: trapeze %s (%s, commit %s), %s\n' "$build/cli/trapeze" \
    "$(date -r "$build/cli/trapeze" '+built %Y-%m-%d %H:%M')" "$commit" "$(date '+%Y-%m-%d %H:%M %Z')"
printf 'host: %s CPUs, load average %s; minimum of %d runs\n' "$(nproc)" "$(cut -d' ' -f1-3 /proc/loadavg)" "$runs"
kver=$(sed -n 's/^linux-image-\([^_]*\)_.*/\1/p' "$build/corpus-cache/VERSIONS" 2>/dev/null || true)
printf 'Debian i386 guest (%s), -m 128 -rtc base=2024-01-01 -icount 3, "%s"\n' "${kver:-vmlinuz}" "$append"

toff=""; tbt=""; coff=""; cbt=""
identical=yes
r=0
while [ "$r" -lt "$runs" ]; do
    r=$((r + 1))
    toff="$toff $(boot off$r off)"
    tbt="$tbt $(boot bt$r bt)"
    coff="$coff $(cpu off$r)"
    cbt="$cbt $(cpu bt$r)"
    for v in off$r bt$r; do
        cmp -s "$tmp/off1.log" "$tmp/$v.log" || { identical=no; echo "$v's console differs from off1's:" >&2;
            diff -u --label off1 --label "$v" "$tmp/off1.log" "$tmp/$v.log" | head -40 >&2; }
    done
done
off=$(min $toff)
bt=$(min $tbt)
runs_of() { for t in "$@"; do printf ' %.1f' "$t"; done; }
printf '  wall time to TRAPEZE-MARKER: done (minimum; each run), CPU time of the whole run (user+sys)\n'
printf '  --virt=off  %6.1f s  (%s)   CPU %6.1f s  (%s)\n' "$off" "$(runs_of $toff | sed "s/^ //")" \
    "$(min $coff)" "$(echo $coff)"
printf '  --virt=bt   %6.1f s  (%s)   CPU %6.1f s  (%s)\n' "$bt" "$(runs_of $tbt | sed "s/^ //")" \
    "$(min $cbt)" "$(echo $cbt)"
printf '  slowdown bt/off: %.2fx wall to done, %.2fx CPU\n' "$(echo "$bt / $off" | bc -l)" \
    "$(echo "$(min $cbt) / $(min $coff)" | bc -l)"
printf '  guest instructions: %s off, %s bt\n' "$(insns off1)" "$(insns bt1)"
grep '^monitor' "$tmp/bt1.err" | sed 's/^/  /'
if [ "$identical" = yes ]; then
    echo "serial console output byte-identical under off and bt ($(wc -l < "$tmp/off1.log") lines, $(wc -c < "$tmp/off1.log") bytes, every run)"
else
    echo "serial console output DIFFERS between off and bt"
    exit 1
fi
