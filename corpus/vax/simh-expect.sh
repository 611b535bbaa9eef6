#!/bin/sh
# simh-expect.sh VASM GUEST.vax [OUT]
# Assembles a VAX corpus guest (with lib/console.vax appended) with our assembler, runs it on
# SIMH's MicroVAX 3900 (Debian's `vax`: `load -o FILE 200`, `go 200`, until the HALT) and
# writes its console output to OUT (default: stdout). SIMH's console needs a terminal, so it
# runs under a pty (python3's pty module); the guest's output is what SIMH prints between its
# banner line and its "HALT instruction" message. Review the result before committing it as
# GUEST.expected: README.md lists where SIMH 3.8.1 is wrong.
# Example: corpus/vax/simh-expect.sh build/isa/vax/vasm corpus/vax/arith.vax corpus/vax/arith.expected
set -eu
if [ $# -lt 2 ] || [ $# -gt 3 ]; then
  echo "usage: simh-expect.sh VASM GUEST.vax [OUT]" >&2
  exit 2
fi
vasm=$1 src=$2 out=${3:-}
here=$(cd "$(dirname "$0")" && pwd)
command -v vax >/dev/null || { echo "simh-expect.sh: SIMH's vax is not installed (apt-get install simh)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
{ cat "$src"; echo; cat "$here/lib/console.vax"; } > "$tmp/guest.s"
"$vasm" "$tmp/guest.s" -o "$tmp/guest.bin" --origin 0x200
printf 'load -o %s 200\ngo 200\n' "$tmp/guest.bin" > "$tmp/simh.ini"
python3 - "$tmp/simh.ini" "$tmp/simh.out" <<'PY'
import os, pty, select, sys, time
pid, fd = pty.fork()
if pid == 0:
    os.chdir(os.path.dirname(sys.argv[1]))
    os.execvp("vax", ["vax", sys.argv[1]])
out, quit_sent, deadline = b"", False, time.monotonic() + 120
while time.monotonic() < deadline:
    ready, _, _ = select.select([fd], [], [], 0.5)
    if not ready:
        continue
    try:
        data = os.read(fd, 4096)
    except OSError:
        break
    if not data:
        break
    out += data
    if b"\nsim> " in out and not quit_sent:
        os.write(fd, b"quit\r")
        quit_sent = True
else:
    os.kill(pid, 9)
    sys.exit("simh-expect.sh: SIMH did not stop within 120 s")
os.waitpid(pid, 0)
banner = out.find(b"VAX simulator")
start = out.index(b"\n", banner) + 1
end = out.rfind(b"\r\nHALT instruction")
if banner < 0 or end < start:
    sys.exit("simh-expect.sh: no HALT in SIMH's output:\n" + out.decode("latin-1"))
open(sys.argv[2], "wb").write(out[start:end])
PY
if [ -n "$out" ]; then cp "$tmp/simh.out" "$out"; else cat "$tmp/simh.out"; fi
