#!/bin/sh
# The README's demo: builds a bare-metal guest ROM with nasm and runs it in trapeze's
# IA-32 interpreter, printing what the guest writes to port 0xE9 and the run summary.
# (The Debian Linux guest and its virtualizability report replace this once the PC and
# classification work lands; see README.)
set -eu
cd "$(dirname "$0")/.."
mkdir -p build/demo
nasm -f bin -o build/demo/int_loop.rom benches/int_loop.asm
echo "== trapeze run pc -bios build/demo/int_loop.rom -debugcon stdio"
./build/cli/trapeze run pc -bios build/demo/int_loop.rom -debugcon stdio
