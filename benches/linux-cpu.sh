#!/bin/sh
# benches/linux-cpu.sh [BUILD_DIR] [MB]
# A CPU-bound workload inside the Debian i386 guest under trapeze's JIT, trapeze's interpreter
# and qemu-system-i386 (TCG), in one run. The guest's /init, given `trapeze.bench=MB` on the
# kernel command line (corpus/linux/init.sh), makes MB MiB of data (its /bin/busybox repeated),
# then prints `TRAPEZE-BENCH: start`, runs `busybox sha256sum` and `busybox gzip -c | busybox
# wc -c` over it, prints `TRAPEZE-BENCH: end` and reboots. The host timestamps the console
# lines as they arrive (linux-cpu-timer.py): the workload is the wall time from the start line
# to the end line; the total is the wall time from the emulator's start to the end line (the
# kernel's boot included). Each leg runs LINUX_CPU_RUNS times (default 2, the legs
# interleaved) and the minimum is kept; the CPU time (user+sys) of each whole run is printed
# too. The script checks that all runs printed the same sha256 and gzip size. MB defaults to
# 24: "tens of MB", as issue 6 asks (6 for a quicker look; the warm-up weighs more there).
#
# A fourth leg, "jit, warm cache", is the JIT with `--jit-cache` on a directory that
# LINUX_CPU_CACHE_FILL earlier runs of the same command (default 2, not timed) filled: a guest
# run again, as a user reruns a test image. The plain jit leg is the first run's figure, with
# nothing cached.
#
# All three boot the same kernel, initramfs and command line
# ("console=ttyS0 acpi=off noapic nolapic trapeze.bench=MB") with 256 MiB. trapeze runs with
# its default -icount 3 and `-rtc base=2024-01-01`, as the guest.linux tests do: guest time
# follows the instruction count and the date is fixed, so every trapeze run executes the same
# guest instructions (same timer interrupts at the same points; the script compares the
# totals of the two engines) and the jit/interp ratio compares the engines on identical work.
# With -icount off the slower engine would also take more timer interrupts per unit of work,
# and no two runs would be the same. What is measured is host wall time either way. QEMU runs
# as `-cpu pentium2 -m 256 -nographic -no-reboot` (TCG, its clock is the host's).
#
# BUILD_DIR (default $TRAPEZE_BUILD, else build/) must hold
# trapeze and the guest; the only thing built is the initramfs, when it is older than
# corpus/linux/init.sh (cmake --build BUILD_DIR --target linux-guest). MB defaults to 6
# (about 3 billion guest instructions: 20-60 s under the interpreter on the 2-core host
# where it was written, depending on its other load).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/.." && pwd)
default_build=$src/build
build=$(cd "${1:-${TRAPEZE_BUILD:-$default_build}}" && pwd)
mb=${2:-24}
runs=${LINUX_CPU_RUNS:-2}
kernel=$build/corpus-cache/vmlinuz
initrd=$build/corpus/linux/initramfs.cpio.gz
append="console=ttyS0 acpi=off noapic nolapic trapeze.bench=$mb"
case $mb in ''|*[!0-9]*|0) echo "MB must be a positive integer (got $mb)" >&2; exit 2 ;; esac
[ -x "$build/cli/trapeze" ] || { echo "$build/cli/trapeze missing: cmake --build $build --target trapeze" >&2; exit 1; }
command -v qemu-system-i386 > /dev/null || { echo "qemu-system-i386 not installed" >&2; exit 1; }
if [ ! -f "$initrd" ] || [ ! -f "$kernel" ] || [ "$src/corpus/linux/init.sh" -nt "$initrd" ]; then
    cmake --build "$build" --target linux-guest > /dev/null
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# Private copies: a rebuild of the build tree during the run does not change what is measured.
cp "$build/cli/trapeze" "$kernel" "$initrd" "$tmp/"
"$tmp/trapeze" help > /dev/null 2>&1 || { echo "$build/cli/trapeze does not run (being relinked?)" >&2; exit 1; }
kernel=$tmp/vmlinuz
initrd=$tmp/initramfs.cpio.gz

# NAME COMMAND... -> "start_s end_s cpu_s"; the console in $tmp/NAME.log, stderr in .log.err
timed() {
    name=$1; shift
    python3 "$here/linux-cpu-timer.py" "$tmp/$name.log" -- "$@" || {
        echo "$name did not print both TRAPEZE-BENCH lines:" >&2
        tail -5 "$tmp/$name.log" "$tmp/$name.log.err" >&2; exit 1; }
}
fills=${LINUX_CPU_CACHE_FILL:-2}
case $fills in ''|*[!0-9]*) echo "LINUX_CPU_CACHE_FILL must be a number (got $fills)" >&2; exit 2 ;; esac
leg() {  # ENGINE RUN
    case $1 in
    jitc) timed "$1$2" env TRAPEZE_JIT_COUNT=0 "$tmp/trapeze" run pc -m 256 -kernel "$kernel" -initrd "$initrd" \
              -append "$append" -rtc base=2024-01-01 -no-reboot --engine=jit -d jit --jit-cache "$tmp/jit-cache" ;;
    qemu) timed "$1$2" qemu-system-i386 -cpu pentium2 -m 256 -nographic -no-reboot \
              -kernel "$kernel" -initrd "$initrd" -append "$append" ;;
    # -d jit for the compile statistics, without the execution counts it would otherwise
    # have compiled code keep (TRAPEZE_JIT_COUNT=0): the code measured is a plain run's.
    *)    timed "$1$2" env TRAPEZE_JIT_COUNT=0 "$tmp/trapeze" run pc -m 256 -kernel "$kernel" -initrd "$initrd" \
              -append "$append" -rtc base=2024-01-01 -no-reboot --engine="$1" -d jit ;;
    esac
}
# The workload's results: the lines between the markers, without the kernel's messages (a
# "[   85.1] random: crng init done" may come between them).
results() {
    tr -d '\r' < "$tmp/$1.log" | sed -n '/^TRAPEZE-BENCH: start/,/^TRAPEZE-BENCH: end/p' | sed '1d;$d' |
        grep -Ev '^\[ *[0-9]+\.[0-9]+\] '
}
insns() { sed -n 's/^trapeze: \([0-9]*\) instructions.*/\1/p' "$tmp/$1.log.err" | tail -n 1; }
min() { printf '%s\n' "$@" | sort -g | head -n 1; }
ratio() { echo "$1 / $2" | bc -l | xargs printf '%.2f'; }

commit=$(git -C "$src" rev-parse --short HEAD 2>/dev/null || echo unknown)
if [ -n "$(git -C "$src" status --porcelain --untracked-files=no 2>/dev/null)" ]; then commit="$commit+dirty"; fi
printf 'linux-cpu: trapeze %s (%s, commit %s), %s\n' "$build/cli/trapeze" \
    "$(date -r "$build/cli/trapeze" '+built %Y-%m-%d %H:%M')" "$commit" "$(date '+%Y-%m-%d %H:%M %Z')"
printf 'host: %s CPUs, load average %s; %s; minimum of %d runs\n' "$(nproc)" "$(cut -d' ' -f1-3 /proc/loadavg)" \
    "$(qemu-system-i386 --version | head -n 1)" "$runs"
kver=$(sed -n 's/^linux-image-\([^_]*\)_.*/\1/p' "$build/corpus-cache/VERSIONS" 2>/dev/null || true)
printf 'Debian i386 guest (%s), -m 256, "%s"\n' "${kver:-vmlinuz}" "$append"
printf 'workload: busybox sha256sum and busybox gzip -c | wc -c over %d MiB made in the guest\n' "$mb"

engines="jit jitc interp qemu"
for e in $engines; do eval "w_$e=''; t_$e=''; c_$e=''"; done
f=0
while [ "$f" -lt "$fills" ]; do f=$((f + 1)); leg jitc "fill$f" > /dev/null; done
r=0
while [ "$r" -lt "$runs" ]; do
    r=$((r + 1))
    for e in $engines; do
        set -- $(leg "$e" "$r")
        [ $# -eq 3 ] || exit 1
        eval "w_$e=\"\$w_$e \$(echo \"$2 - $1\" | bc -l)\"; t_$e=\"\$t_$e $2\"; c_$e=\"\$c_$e $3\""
    done
done

printf '%26s%-27s%-28s%s\n' '' 'workload: start to end' 'total: to end' 'CPU of each run'
printf '%26s%-27s%-28s%s\n' '' '   min  (each run)' '    min  (each run)' '(user+sys)'
each() { for t in "$@"; do printf ' %.1f' "$t"; done; }
for e in $engines; do
    eval "w=\$w_$e; t=\$t_$e; c=\$c_$e"
    case $e in qemu) label=qemu-system-i386 ;; jitc) label="trapeze jit, warm cache" ;; *) label="trapeze $e" ;; esac
    printf '  %-23s %6.1f s  %-16s %7.1f s  %-16s %s s\n' "$label" "$(min $w)" "($(each $w | sed 's/^ //'))" \
        "$(min $t)" "($(each $t | sed 's/^ //'))" "$(echo $c)"
    eval "W_$e=$(min $w); T_$e=$(min $t)"
done
printf '  ratios (workload / total):  jit/interp %s / %s   jit/qemu %s / %s   interp/qemu %s / %s\n' \
    "$(ratio "$W_jit" "$W_interp")" "$(ratio "$T_jit" "$T_interp")" \
    "$(ratio "$W_jit" "$W_qemu")" "$(ratio "$T_jit" "$T_qemu")" \
    "$(ratio "$W_interp" "$W_qemu")" "$(ratio "$T_interp" "$T_qemu")"
printf '  warm cache (workload / total):  jit, warm cache/qemu %s / %s   jit, warm cache/jit %s / %s\n' \
    "$(ratio "$W_jitc" "$W_qemu")" "$(ratio "$T_jitc" "$T_qemu")" "$(ratio "$W_jitc" "$W_jit")" "$(ratio "$T_jitc" "$T_jit")"

status=0
results jit1 > "$tmp/expected"
sed 's/^/  /' "$tmp/expected"
r=0
while [ "$r" -lt "$runs" ]; do
    r=$((r + 1))
    for e in $engines; do
        results "$e$r" | cmp -s "$tmp/expected" - || { status=1; echo "$e run $r printed other results:" >&2; results "$e$r" >&2; }
    done
done
[ -s "$tmp/expected" ] && grep -q '/tmp/data$' "$tmp/expected" || status=1
if [ "$status" = 0 ]; then echo "  results identical in all $((runs * 4)) runs"; else echo "  results DIFFER (or are missing)"; fi
ij=$(insns jit1); ii=$(insns interp1); ic=$(insns jitc1)
if [ "$ij" = "$ii" ] && [ "$ij" = "$ic" ]; then echo "  guest instructions (whole run): $ij in every trapeze leg"
else echo "  guest instructions (whole run): jit $ij, jit warm $ic, interp $ii (not the same: they ran different guest code)"; fi
# The JIT's compiling thread: its CPU time is part of the jit leg's CPU above (on a second core
# when one is free); what is left is the guest's own thread.
r=0
while [ "$r" -lt "$runs" ]; do
    r=$((r + 1))
    sed -n 's/^jit: compile time (CPU): \([0-9.]*\) ms.*/\1/p' "$tmp/jit$r.log.err" | tail -n 1 |
        awk -v r="$r" '{ printf "  jit run %d: %.1f s of compiling CPU; ", r, $1 / 1000 }'
    sed -n 's/^jit: traces: \([0-9]*\) compiled.*/\1 traces compiled/p' "$tmp/jit$r.log.err"
done
r=0
while [ "$r" -lt "$runs" ]; do
    r=$((r + 1))
    sed -n 's/^jit: compile time (CPU): \([0-9.]*\) ms.*/\1/p' "$tmp/jitc$r.log.err" | tail -n 1 |
        awk -v r="$r" '{ printf "  jit, warm cache, run %d: %.1f s of compiling CPU; ", r, $1 / 1000 }'
    t=$(sed -n 's/^jit: traces: \([0-9]*\) compiled.*/\1/p' "$tmp/jitc$r.log.err")
    d=$(sed -n 's/^jit: disk cache [^:]*: \([0-9]*\) of the traces loaded.*/\1/p' "$tmp/jitc$r.log.err")
    echo "$t traces installed, $d of them loaded from the cache"
done
echo "  the cache: $(find "$tmp/jit-cache" -name '*.trace' | wc -l) entries, $(du -sh "$tmp/jit-cache" | cut -f1) after $((fills + runs)) runs"
exit $status
