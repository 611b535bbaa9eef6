#!/bin/sh
# benches/int-loop.sh [ITERATIONS]
# The interpreter benchmark of issue "IA-32 core": runs benches/int_loop.asm (a bare-metal
# integer loop, ~16.5 instructions per iteration) under trapeze and under Debian's Bochs 2.7
# in one run and prints guest MIPS for both and their ratio; then QEMU's (TCG) for scale,
# with each interpreter's ratio to it. Wall time includes start-up;
# an empty run of each (ITER=1) is subtracted so the figure is the loop's own speed.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
. "$here/loop-setup.sh"

bochs_time() {  # ROM -> seconds (until the guest's cli;hlt is logged)
    d=$(mktemp -d "$tmp/b.XXXX")
    cp "$1" "$d/rom.bin"
    cat > "$d/bochsrc" <<B
megs: 32
romimage: file=rom.bin, address=0xffff0000
cpu: count=1, model=p2_klamath, reset_on_triple_fault=0, ips=100000000
pci: enabled=0
clock: sync=none, time0=1
display_library: rfb, options="timeout=0"
plugin_ctrl: unmapped=1, biosdev=0, speaker=0, extfpuirq=0, parallel=0, serial=0, gameport=0, iodebug=0, e1000=0, ne2k=0, sb16=0, es1370=0
port_e9_hack: enabled=1
log: bochs.log
debug: action=ignore
info: action=report
panic: action=fatal
B
    echo c > "$d/rc"
    time_until "grep -q 'HLT instruction with IF=0' '$d/bochs.log' 2>/dev/null" bochs \
        sh -c 'cd "$0" && exec bochs -q -f bochsrc -rc rc > stdout 2> stderr' "$d"
}

qemu_time() {  # ROM -> seconds (until the checksum's newline reaches the debug console)
    : > "$tmp/qemu.out"
    time_until "[ \"\$(wc -l < '$tmp/qemu.out')\" -ne 0 ]" qemu \
        qemu-system-i386 -cpu pentium2 -display none -no-reboot -bios "$1" -debugcon file:"$tmp/qemu.out" \
        -serial null -monitor none
}

# CHECK NAME COMMAND... -> seconds: runs COMMAND in the background until the shell test
# CHECK succeeds (the guest is done: neither emulator exits by itself), then kills it.
time_until() {
    check=$1; name=$2; shift 2
    t0=$(now)
    "$@" < /dev/null > /dev/null 2>&1 &
    pid=$!
    while ! eval "$check"; do
        kill -0 $pid 2>/dev/null || { echo "$name exited early" >&2; exit 1; }
        sleep 0.005
    done
    t1=$(now)
    kill -9 $pid 2>/dev/null || true
    wait $pid 2>/dev/null || true
    echo "$t1 - $t0" | bc -l
}
min() { echo "if ($1 < $2) $1 else $2" | bc -l; }

set -- $(trapeze_time interp "$tmp/loop.rom"); t_loop=$1; n_loop=$2
set -- $(trapeze_time interp "$tmp/empty.rom"); t_empty=$1; n_empty=$2
b_loop=$(bochs_time "$tmp/loop.rom")
b_empty=$(bochs_time "$tmp/empty.rom")
n=$((n_loop - n_empty))
tm=$(echo "$t_loop - $t_empty" | bc -l)
bm=$(echo "$b_loop - $b_empty" | bc -l)
printf 'int_loop: %d iterations, %d guest instructions\n' "$iters" "$n"
printf '  trapeze interpreter: %6.2f s  %7.1f MIPS\n' "$tm" "$(echo "$n / $tm / 1000000" | bc -l)"
printf '  bochs 2.7          : %6.2f s  %7.1f MIPS\n' "$bm" "$(echo "$n / $bm / 1000000" | bc -l)"
printf '  ratio trapeze/bochs: %.2fx\n' "$(echo "$bm / $tm" | bc -l)"
# QEMU's TCG, the target of issue "The PC" (the interpreter within 3x of it): a translator,
# for scale. Its runs are short, so each is taken twice and the minimum kept.
if command -v qemu-system-i386 > /dev/null; then
    q_loop=$(min "$(qemu_time "$tmp/loop.rom")" "$(qemu_time "$tmp/loop.rom")")
    q_empty=$(min "$(qemu_time "$tmp/empty.rom")" "$(qemu_time "$tmp/empty.rom")")
    qm=$(echo "$q_loop - $q_empty" | bc -l)
    printf '  qemu-system-i386   : %6.2f s  %7.1f MIPS (TCG)\n' "$qm" "$(echo "$n / $qm / 1000000" | bc -l)"
    printf '  ratio to qemu: trapeze interpreter %.2fx, bochs %.2fx slower\n' "$(echo "$tm / $qm" | bc -l)" "$(echo "$bm / $qm" | bc -l)"
fi
