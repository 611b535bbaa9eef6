#!/bin/sh
# benches/interp-floor.sh [MOV_ITER] [MPI_ITER]
# The interpreter against QEMU's TCG on two bare-metal loops, in nanoseconds a guest
# instruction: benches/mov_loop.asm (100 register moves a pass: the interpreter's dispatch
# alone, its floor; default 1,000,000 passes) and benches/mpi_loop.asm (the Debian guest's
# hottest boot loop, a third of its boot's instructions: default 100,000 x 256 iterations).
# (QEMU's line for mov_loop means nothing: its optimiser keeps one move of the hundred.)
# Issue "The PC" asks the interpreter to run the boot within 3x of QEMU's time; where QEMU's
# code runs a guest instruction in under a third of the interpreter's floor, no handler
# work can get there (docs/jit.md, "Eleventh look"). How each is run: rom-loop-vs-qemu.sh.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
engine=interp
(
    asm=mov_loop.asm
    iters=${1:-1000000}
    describe='mov_loop: %d x 100 register moves'
    . "$here/rom-loop-vs-qemu.sh"
)
(
    asm=mpi_loop.asm
    iters=${2:-100000}
    describe='mpi_loop: %d x 256 iterations'
    . "$here/rom-loop-vs-qemu.sh"
)
