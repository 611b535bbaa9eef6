#!/bin/sh
# bochs-expect.sh ROM.bin OUT.txt
#
# Runs Debian's bochs 2.7 on a 64 KB test ROM (mapped as the BIOS: at 0xFFFF0000 and
# aliased at 0xF0000) and writes exactly the bytes the guest wrote to port 0xE9 into OUT.txt.
# The run ends when the guest executes HLT with IF=0 (bochs logs "HLT instruction with
# IF=0"); it is then killed.  Fails (exit 1) on timeout, on an early bochs exit (panic,
# triple fault) or when the output does not end with the line DONE; OUT.txt is still
# written so that it can be inspected.
#
# Environment:
#   BOCHS_CPU      bochs CPU model (default p2_klamath; the ROM may also carry a line
#                  "; bochs-cpu: MODEL" in its .asm source, which regen-expected.sh honours)
#   BOCHS_TIMEOUT  wall-clock limit in seconds (default 120)
#   BOCHS_MAXOUT   output limit in bytes (default 4000000): more is a runaway guest
#   BOCHS_KEEP     if set, keep the temporary directory (bochsrc, bochs.log, raw stdout)
set -eu

if [ $# -ne 2 ]; then
    echo "usage: $0 ROM.bin OUT.txt" >&2
    exit 2
fi
ROM=$1
OUT=$2
CPU=${BOCHS_CPU:-p2_klamath}
TIMEOUT=${BOCHS_TIMEOUT:-120}
MAXOUT=${BOCHS_MAXOUT:-4000000}
BOCHS=${BOCHS:-bochs}

[ -f "$ROM" ] || { echo "$0: no such ROM: $ROM" >&2; exit 2; }
size=$(wc -c < "$ROM")
[ "$size" -eq 65536 ] || { echo "$0: $ROM is $size bytes, want 65536" >&2; exit 2; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/bochs-expect.XXXXXX")
if [ -z "${BOCHS_KEEP:-}" ]; then
    trap 'rm -rf "$tmp"' EXIT
else
    echo "$0: keeping $tmp" >&2
fi
cp "$ROM" "$tmp/rom.bin"

# Debian's bochs has neither the 'term' nor the 'nogui' display library; 'rfb' with
# timeout=0 needs neither a terminal nor a client.  Everything but the CPU, memory and
# port 0xE9 is left alone by the ROMs; interrupts stay masked in the (uninitialised) PIC.
cat > "$tmp/bochsrc" <<EOF
megs: 32
romimage: file=rom.bin, address=0xffff0000
cpu: count=1, model=$CPU, reset_on_triple_fault=0, ips=50000000
pci: enabled=0
clock: sync=none, time0=1
display_library: rfb, options="timeout=0"
plugin_ctrl: unmapped=1, biosdev=0, speaker=0, extfpuirq=0, parallel=0, serial=0, gameport=0, iodebug=0, e1000=0, ne2k=0, sb16=0, es1370=0
port_e9_hack: enabled=1
log: bochs.log
debug: action=ignore
info: action=report
error: action=report
panic: action=fatal
EOF
# The debugger build stops at its prompt before the first instruction: continue.
echo c > "$tmp/rc"

( cd "$tmp" && exec "$BOCHS" -q -f bochsrc -rc rc < /dev/null > stdout 2> stderr ) &
pid=$!

status=timeout
start=$(date +%s)
while :; do
    if grep -q "HLT instruction with IF=0" "$tmp/bochs.log" 2>/dev/null; then
        status=halted
        break
    fi
    if ! kill -0 "$pid" 2>/dev/null; then
        status=exited
        break
    fi
    now=$(date +%s)
    if [ $((now - start)) -ge "$TIMEOUT" ]; then
        break
    fi
    if [ "$(wc -c < "$tmp/stdout")" -gt "$MAXOUT" ]; then
        status=runaway
        break
    fi
    sleep 0.1
done
kill -9 "$pid" 2>/dev/null || true
wait "$pid" 2>/dev/null || true

# stdout holds the banner, the debugger's "Next at t=0" and the disassembly of the first
# instruction (at f000:fff0), then nothing but the port 0xE9 bytes (bochs putchar()s and
# flushes each one).  Keep everything after that first disassembly line, byte for byte.
python3 - "$tmp/stdout" "$OUT" <<'EOF'
import re, sys
data = open(sys.argv[1], 'rb').read()
m = re.search(rb'^\(0\) \[0x0*fffffff0\] f000:fff0 [^\n]*\n', data, re.M)
if not m:
    sys.stderr.write("bochs-expect: debugger banner not found in bochs stdout\n")
    sys.exit(1)
open(sys.argv[2], 'wb').write(data[m.end():])
EOF

fail() {
    echo "$0: $ROM: $*" >&2
    echo "---- last lines of bochs.log ----" >&2
    grep -v -e 'PLUGIN' -e 'lt_dl' "$tmp/bochs.log" 2>/dev/null | tail -15 >&2 || true
    tail -5 "$tmp/stderr" >&2 || true
    exit 1
}
case $status in
    timeout) fail "timed out after ${TIMEOUT}s" ;;
    runaway) fail "more than $MAXOUT bytes of output: runaway guest" ;;
    exited)  fail "bochs exited before the guest halted" ;;
esac
if grep -q -E "triple fault|PANIC|shutdown" "$tmp/bochs.log"; then
    fail "bochs reported a panic / triple fault"
fi
if ! python3 -c 'import sys; d=open(sys.argv[1],"rb").read(); sys.exit(0 if d==b"DONE\n" or d.endswith(b"\nDONE\n") else 1)' "$OUT"; then
    fail "output does not end with the line DONE (see $OUT)"
fi
exit 0
