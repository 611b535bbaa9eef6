#!/bin/sh
# benches/jit-match-loop.sh [ITER]
# Compiled code against QEMU's on the Linux workload's hottest loop: benches/match_loop.asm,
# gzip's longest_match walking a hash chain as busybox runs it (13 guest instructions a link,
# seven of them memory accesses, a DEC that keeps the CMP's carry), ITER searches of 128
# links (default 1,000,000: 1.7 billion guest instructions), under
# `trapeze --engine=jit` and `qemu-system-i386` (TCG); how, in benches/rom-loop-vs-qemu.sh.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
asm=match_loop.asm
iters=${1:-1000000}
describe='match_loop: %d searches of 128 links'
. "$here/rom-loop-vs-qemu.sh"
