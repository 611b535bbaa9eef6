#!/bin/sh
# benches/jit-loop.sh [ITERATIONS]
# The translator benchmark on the bare-metal loop guest (benches/int_loop.asm): guest MIPS of
# `--engine=interp` and `--engine=jit` in one run, their ratio, and the translation cost from
# `-d jit`. Start-up (and, for the JIT, LLVM's own start) is subtracted with an ITER=1 run.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
. "$here/loop-setup.sh"

set -- $(trapeze_time interp "$tmp/empty.rom"); ie=$1
# LLVM starts with the first hot block: the ITER=1 run starts it too (threshold 1), so that
# its start-up is subtracted with the rest.
set -- $(export TRAPEZE_JIT_THRESHOLD=1; trapeze_time jit "$tmp/empty.rom"); je=$1
set -- $(trapeze_time interp "$tmp/loop.rom"); it=$1; n=$2
set -- $(trapeze_time jit "$tmp/loop.rom"); jt=$1; jn=$2
cmp -s "$tmp/interp.out" "$tmp/jit.out" || { echo "the engines printed different output" >&2; exit 1; }
[ "$n" = "$jn" ] || { echo "the engines executed different instruction counts ($n, $jn)" >&2; exit 1; }
ti=$(echo "$it - $ie" | bc -l)
tj=$(echo "$jt - $je" | bc -l)
printf 'int_loop: %d iterations, %d guest instructions, same output under both engines\n' "$iters" "$n"
printf '  trapeze interp: %6.2f s  %7.1f MIPS\n' "$ti" "$(echo "$n / $ti / 1000000" | bc -l)"
printf '  trapeze jit   : %6.2f s  %7.1f MIPS\n' "$tj" "$(echo "$n / $tj / 1000000" | bc -l)"
printf '  ratio jit/interp: %.2fx\n' "$(echo "$ti / $tj" | bc -l)"
grep '^jit: \(traces\|translated\|compile\|execution\)' "$tmp/jit.err" | sed 's/^/  /'
