#!/bin/sh
# Boots the Debian i386 guest in trapeze: fetches and builds it if needed (cmake target
# linux-guest), then runs the kernel with the initramfs to the markers; the guest reboots and
# -no-reboot ends the run. Extra arguments go to `trapeze run pc` (e.g. -icount off or
# --engine=jit); TRAPEZE_APPEND replaces the kernel command line.
#
# usage: corpus/linux/run-guest.sh [BUILD_DIR] [trapeze options...]
set -eu
src=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$src/build}
[ $# -gt 0 ] && shift
append=${TRAPEZE_APPEND:-console=ttyS0 acpi=off noapic nolapic}
cmake --build "$build" --target trapeze linux-guest >&2
exec "$build/cli/trapeze" run pc -m 128 -kernel "$build/corpus-cache/vmlinuz" \
    -initrd "$build/corpus/linux/initramfs.cpio.gz" -append "$append" -no-reboot "$@"
