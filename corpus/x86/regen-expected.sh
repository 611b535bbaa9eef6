#!/bin/sh
# regen-expected.sh [name...]
# Assembles corpus/x86/<name>.asm (all of them by default) and regenerates <name>.expected
# by running the ROM on Bochs (bochs-expect.sh).  A line "; bochs-cpu: MODEL" in the .asm
# selects the bochs CPU model (default p2_klamath).  Review the diff before committing!
set -eu
here=$(cd "$(dirname "$0")" && pwd)
cd "$here"
if [ $# -eq 0 ]; then
    set -- $(ls *.asm | sed 's/\.asm$//')
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/regen.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
rc=0
for name in "$@"; do
    name=${name%.asm}
    nasm -f bin -I"$here/" -o "$tmp/$name.rom" "$name.asm"
    cpu=$(sed -n 's/^; *bochs-cpu: *\([a-z0-9_]*\).*/\1/p' "$name.asm" | head -1)
    if BOCHS_CPU=${cpu:-p2_klamath} "$here/bochs-expect.sh" "$tmp/$name.rom" "$tmp/$name.out"; then
        cp "$tmp/$name.out" "$name.expected"
        echo "$name: $(wc -l < "$name.expected") lines (cpu ${cpu:-p2_klamath})"
    else
        echo "$name: FAILED (output kept in $name.expected.failed)" >&2
        cp "$tmp/$name.out" "$name.expected.failed" 2>/dev/null || true
        rc=1
    fi
done
exit $rc
