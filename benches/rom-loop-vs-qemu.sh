# Sourced by jit-mpi-loop.sh, jit-call-loop.sh, jit-match-loop.sh and interp-floor.sh, which set `here`
# (benches/), `asm` (the loop's source in benches/, built with -DITER), `iters` (its ITER),
# `describe` (printf format of the first line's loop description, given ITER), optionally
# `engine` (default jit) and the trap-free shell options.
# Runs the ROM under `trapeze --engine=ENGINE` and `qemu-system-i386` (TCG), each twice,
# interleaved, the minimum kept; start-up (and LLVM's) is subtracted with an ITER=1 run of
# each. Both must print the same checksum on port 0xE9. What is measured is the code each
# translator makes for the same loop: it is compiled within its first milliseconds under
# either, so warm-up plays no part (benches/linux-cpu.sh measures the whole guest).
build=${TRAPEZE_BUILD:-$here/../build}
engine=${engine:-jit}
trapeze=$build/cli/trapeze
case $iters in ''|*[!0-9]*|0) echo "ITER must be a positive integer (got $iters)" >&2; exit 2 ;; esac
[ -x "$trapeze" ] || { echo "build trapeze first ($trapeze missing)" >&2; exit 1; }
command -v qemu-system-i386 > /dev/null || { echo "qemu-system-i386 not installed" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
nasm -f bin -I "$here/" -DITER="$iters" -o "$tmp/loop.rom" "$here/$asm"
nasm -f bin -I "$here/" -DITER=1 -o "$tmp/empty.rom" "$here/$asm"

now() { date +%s.%N; }
# NAME ROM -> seconds; the guest's output in $tmp/NAME.out
run() {
    t0=$(now)
    case $1 in
    trapeze*) "$trapeze" run pc -bios "$2" -debugcon file:"$tmp/$1.out" -no-reboot --engine="$engine" 2> "$tmp/$1.err" ;;
    qemu*) qemu-system-i386 -cpu pentium2 -display none -no-reboot -bios "$2" -debugcon file:"$tmp/$1.out" \
               -serial null -monitor none 2> "$tmp/$1.err" ;;
    esac
    t1=$(now)
    echo "$t1 - $t0" | bc -l
}
min() { echo "if ($1 < $2) $1 else $2" | bc -l; }
te=$(min "$(run trapeze-empty "$tmp/empty.rom")" "$(run trapeze-empty "$tmp/empty.rom")")
qe=$(min "$(run qemu-empty "$tmp/empty.rom")" "$(run qemu-empty "$tmp/empty.rom")")
t1=$(run trapeze "$tmp/loop.rom"); q1=$(run qemu "$tmp/loop.rom")
t2=$(run trapeze "$tmp/loop.rom"); q2=$(run qemu "$tmp/loop.rom")
cmp -s "$tmp/trapeze.out" "$tmp/qemu.out" || {
    echo "trapeze and QEMU printed different checksums: $(cat "$tmp/trapeze.out") $(cat "$tmp/qemu.out")" >&2; exit 1; }
insns=$(sed -n 's/^trapeze: \([0-9]*\) instructions.*/\1/p' "$tmp/trapeze.err")
tt=$(echo "$(min "$t1" "$t2") - $te" | bc -l)
qt=$(echo "$(min "$q1" "$q2") - $qe" | bc -l)
# shellcheck disable=SC2059  # (describe is a format)
printf "$describe" "$iters"
printf ', %d guest instructions, checksum %s under both\n' "$insns" "$(cat "$tmp/qemu.out")"
printf '  trapeze %-7s : %6.2f s  %7.1f MIPS  %5.2f ns an instruction  (runs %.2f %.2f, start-up %.2f)\n' "$engine" "$tt" "$(echo "$insns / $tt / 1000000" | bc -l)" "$(echo "$tt * 1000000000 / $insns" | bc -l)" "$t1" "$t2" "$te"
printf '  qemu-system-i386: %6.2f s  %7.1f MIPS  %5.2f ns an instruction  (runs %.2f %.2f, start-up %.2f)\n' "$qt" "$(echo "$insns / $qt / 1000000" | bc -l)" "$(echo "$qt * 1000000000 / $insns" | bc -l)" "$q1" "$q2" "$qe"
printf '  ratio %s/qemu: %.2f\n' "$engine" "$(echo "$tt / $qt" | bc -l)"
