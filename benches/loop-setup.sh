# Sourced by int-loop.sh and jit-loop.sh (with `here` set to benches/ and the script's own
# arguments): the trapeze to measure, a scratch directory, the loop guest assembled for
# ITERATIONS (default 20M) and for one iteration (its start-up cost, subtracted), and
# trapeze_time ENGINE ROM -> "seconds instructions" (guest output in $tmp/ENGINE.out, the
# run's stderr in $tmp/ENGINE.err).
build=${TRAPEZE_BUILD:-$here/../build}
trapeze=$build/cli/trapeze
iters=${1:-20000000}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
[ -x "$trapeze" ] || { echo "build trapeze first ($trapeze missing)" >&2; exit 1; }

nasm -f bin -I "$here/" -DITER="$iters" -o "$tmp/loop.rom" "$here/int_loop.asm"
nasm -f bin -I "$here/" -DITER=1 -o "$tmp/empty.rom" "$here/int_loop.asm"

now() { date +%s.%N; }

trapeze_time() {
    t0=$(now)
    # (-d jit without the execution counts, TRAPEZE_JIT_COUNT=0: a plain run's code.)
    TRAPEZE_JIT_COUNT=0 "$trapeze" run pc -bios "$2" -debugcon file:"$tmp/$1.out" --engine="$1" -d jit 2> "$tmp/$1.err"
    t1=$(now)
    insns=$(sed -n 's/^trapeze: \([0-9]*\) instructions.*/\1/p' "$tmp/$1.err")
    echo "$(echo "$t1 - $t0" | bc -l) $insns"
}
