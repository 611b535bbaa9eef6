#!/bin/sh
# benches/virt-nano.sh [SCALE]
# Adams & Agesen's nanobenchmarks (ASPLOS 2006) as bare-metal guests (corpus/x86/nano/nano.asm):
# syscall (INT 0x80 from ring 3, IRET), in (IN AL,0x80), cr3wr (MOV CR3), callret (the
# innocuous control), pgfault (#PF on a not-present page, mapped by the handler, unmapped
# again), divzero (#DE, skipped by the handler), ptemod (PTE write + INVLPG). Each runs under
# `--virt=off` and `--virt=bt` in one run and the script prints the cost per operation, the
# ratio bt/off and the monitor traps per operation (from the run summary on stderr).
#
# Wall time of the whole run, as in loop-setup.sh, less that of the empty loop assembled for
# the same N (the same set-up, paging on, and the same DEC/JNZ). Each benchmark has its own N
# per mode (the table below, times SCALE, default 1) so that a run lasts about a second on an
# unloaded machine: below that, start-up noise swamps the cheap operations. Each point is
# run NANO_RUNS times (default 2) and the minimum is kept. NANO_ENGINES="interp jit" also
# measures the JIT (default: interp). The guest's output must be the same under off and bt
# (the benchmark is also a test of the monitor): a difference is reported and the exit
# status is 1. TRAPEZE_BUILD=dir selects the build (default build/).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/.." && pwd)
build=${TRAPEZE_BUILD:-$src/build}
scale=${1:-1}
runs=${NANO_RUNS:-2}
engines=${NANO_ENGINES:-interp}
benches="syscall in cr3wr callret pgfault divzero ptemod"
# BENCH -> "N_OFF N_BT" (before SCALE)
iterations() {
    case $1 in
    syscall) echo 1000000 100000 ;;
    in)      echo 20000000 100000 ;;
    cr3wr)   echo 1000000 100000 ;;
    callret) echo 10000000 10000000 ;;
    pgfault) echo 100000 20000 ;;
    divzero) echo 200000 50000 ;;
    ptemod)  echo 5000000 100000 ;;
    esac
}
scaled() { echo "$1 * $scale / 1" | bc; }
[ -x "$build/cli/trapeze" ] || { echo "build trapeze first ($build/cli/trapeze missing)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# A private copy: a rebuild of the build tree during the run does not change what is measured.
cp "$build/cli/trapeze" "$tmp/trapeze"
trapeze=$tmp/trapeze
"$trapeze" help > /dev/null 2>&1 || { echo "$build/cli/trapeze does not run (being relinked?)" >&2; exit 1; }

rom() {  # BENCH N -> $tmp/BENCH.N.rom
    [ -f "$tmp/$1.$2.rom" ] ||
        nasm -f bin -I "$src/corpus/x86/" -DBENCH="$1" -DN="$2" -o "$tmp/$1.$2.rom" "$src/corpus/x86/nano/nano.asm"
}

now() { date +%s.%N; }

# ENGINE VIRT BENCH N -> minimum wall seconds of $runs runs; output in $tmp/BENCH.N.VIRT.ENGINE.out,
# stderr in .err
measure() {
    rom "$3" "$4"
    base=$tmp/$3.$4.$2.$1
    best=""
    r=0
    while [ "$r" -lt "$runs" ]; do
        r=$((r + 1))
        t0=$(now)
        rc=0
        "$trapeze" run pc -bios "$tmp/$3.$4.rom" -debugcon file:"$base.out" -serial null \
            --virt="$2" --engine="$1" < /dev/null 2> "$base.err" || rc=$?
        t1=$(now)
        if [ "$rc" != 0 ] || [ "$(tail -n 1 "$base.out")" != DONE ]; then
            echo "$3 under --virt=$2 --engine=$1 did not end with DONE (exit $rc):" >&2
            cat "$base.out" "$base.err" >&2
            exit 1
        fi
        t=$(echo "$t1 - $t0" | bc -l)
        if [ -z "$best" ] || [ "$(echo "$t < $best" | bc -l)" = 1 ]; then best=$t; fi
    done
    echo "$best"
}

# ENGINE VIRT N -> the empty loop's time (measured once per ENGINE VIRT N)
empty_time() {
    f=$tmp/empty.$3.$2.$1.time
    [ -f "$f" ] || measure "$1" "$2" empty "$3" > "$f"
    cat "$f"
}

# the "monitor (--virt=bt): N traps (#GP a, rewritten b, ...)" line as "total N #GP a rewritten b ..."
traps() {
    sed -n 's/^monitor (--virt=[a-z]*): \([0-9]*\) traps *(\(.*\)).*/total \1 \2/p; s/^monitor (--virt=[a-z]*): \([0-9]*\) traps.*/total \1/p' "$1" |
        head -n 1 | tr -d ','
}

commit=$(git -C "$src" rev-parse --short HEAD 2>/dev/null || echo unknown)
if [ -n "$(git -C "$src" status --porcelain --untracked-files=no 2>/dev/null)" ]; then commit="$commit+dirty"; fi
printf 'virt-nano: trapeze %s (%s, commit %s), %s\n' "$build/cli/trapeze" \
    "$(date -r "$build/cli/trapeze" '+built %Y-%m-%d %H:%M')" "$commit" "$(date '+%Y-%m-%d %H:%M %Z')"
printf 'host: %s CPUs, load average %s; minimum of %d runs; N scaled by %s\n' \
    "$(nproc)" "$(cut -d' ' -f1-3 /proc/loadavg)" "$runs" "$scale"

status=0
for engine in $engines; do
    printf '\n--engine=%s\n' "$engine"
    printf '  %-8s %9s %9s %12s %12s %9s %9s   %s\n' benchmark "N off" "N bt" "ns/op off" "ns/op bt" \
        "bt/off" "traps/op" "bt traps per op by kind"
    for b in $benches; do
        set -- $(iterations "$b")
        n_off=$(scaled "$1"); n_bt=$(scaled "$2")
        e_off=$(empty_time "$engine" off "$n_off")
        e_bt=$(empty_time "$engine" bt "$n_bt")
        t_off=$(measure "$engine" off "$b" "$n_off")
        t_bt=$(measure "$engine" bt "$b" "$n_bt")
        ns_off=$(echo "($t_off - $e_off) * 1000000000 / $n_off" | bc -l)
        ns_bt=$(echo "($t_bt - $e_bt) * 1000000000 / $n_bt" | bc -l)
        ratio=$(echo "$ns_bt / $ns_off" | bc -l 2>/dev/null || echo 0)
        # per-op traps by kind: this run's counts less the empty loop's, over N
        kinds=$(traps "$tmp/$b.$n_bt.bt.$engine.err" | awk -v n="$n_bt" -v base="$(traps "$tmp/empty.$n_bt.bt.$engine.err")" '
            { nb = split(base, bf, " "); for (i = 1; i < nb; i += 2) b[bf[i]] = bf[i + 1]
              s = ""
              for (i = 1; i < NF; i += 2) {
                  v = ($(i + 1) - b[$i]) / n
                  if ($i == "total") tot = v
                  else if (v >= 0.005) s = s sprintf("%s%s %.2f", s == "" ? "" : ", ", $i, v)
              }
              printf "%.2f|%s\n", tot, s }')
        # The guest prints its N: compare the bt output with an off run at the same N.
        if [ "$n_off" != "$n_bt" ]; then
            "$trapeze" run pc -bios "$tmp/$b.$n_bt.rom" -debugcon file:"$tmp/$b.off-check.out" -serial null \
                --virt=off --engine="$engine" < /dev/null 2> /dev/null || true
        else
            cp "$tmp/$b.$n_off.off.$engine.out" "$tmp/$b.off-check.out"
        fi
        same=""
        if ! cmp -s "$tmp/$b.off-check.out" "$tmp/$b.$n_bt.bt.$engine.out"; then
            same="   OUTPUT DIFFERS"
            status=1
            diff -u --label "off" --label "bt" "$tmp/$b.off-check.out" "$tmp/$b.$n_bt.bt.$engine.out" >&2 || true
        fi
        printf '  %-8s %9d %9d %12.1f %12.1f %8.1fx %9s   %s%s\n' "$b" "$n_off" "$n_bt" "$ns_off" "$ns_bt" \
            "$ratio" "${kinds%%|*}" "${kinds#*|}" "$same"
    done
done
if [ "$status" = 0 ]; then
    echo
    echo "every benchmark printed the same under --virt=off and --virt=bt"
fi
exit "$status"
