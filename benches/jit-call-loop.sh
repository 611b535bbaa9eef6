#!/bin/sh
# benches/jit-call-loop.sh [ITER]
# Compiled code against QEMU's on calls and returns across pages: benches/call_loop.asm,
# ITER iterations (default 50,000,000: 700 million guest instructions) of a loop that calls
# a function on another page, which calls a PC thunk on a third (busybox's PIC code does this
# in every function), so four control transfers an iteration leave a trapeze trace for
# another (docs/jit.md, "Trace to trace") and leave a QEMU translation block through its
# indirect-jump lookup; under `trapeze --engine=jit` and `qemu-system-i386` (TCG); how, in
# benches/rom-loop-vs-qemu.sh.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
asm=call_loop.asm
iters=${1:-50000000}
describe='call_loop: %d iterations'
. "$here/rom-loop-vs-qemu.sh"
