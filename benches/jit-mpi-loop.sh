#!/bin/sh
# benches/jit-mpi-loop.sh [ITER]
# Compiled code against QEMU's on one steady-state loop: the Debian guest's hottest boot loop
# (benches/mpi_loop.asm: 47 guest instructions an iteration, ITER x 256 iterations, default
# ITER 200000: 2.4 billion guest instructions) under `trapeze --engine=jit` and
# `qemu-system-i386` (TCG); how, in benches/rom-loop-vs-qemu.sh.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
asm=mpi_loop.asm
iters=${1:-200000}
describe='mpi_loop: %d x 256 iterations'
. "$here/rom-loop-vs-qemu.sh"
