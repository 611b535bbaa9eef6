#!/bin/sh
# Installs everything trapeze needs on a fresh Debian 12 machine (run as root).
# Build: cmake, ninja, g++, Zydis, Capstone, fmt, Catch2 v2, nasm, Unicorn, LLVM, zlib (initramfs gzip); cpio (checks our initramfs writer).
# Peers and guests: qemu-system-x86, bochs, simh (benchmarks and oracle regeneration only).
# Tests: chromium (renders the HTML virtualizability report headless); libclang-rt-14-dev (clang's
# ASan, UBSan and libFuzzer runtimes for the fuzz.libfuzzer_targets test: only recommended by
# clang-14, so --no-install-recommends would leave it out).
set -eu
if [ "$(id -u)" -ne 0 ]; then
    echo "setup-debian.sh: run as root (it calls apt-get)" >&2
    exit 1
fi
pkgs="cmake ninja-build g++ pkg-config libzydis-dev libcapstone-dev libfmt-dev catch2 nasm \
libunicorn-dev llvm-14-dev clang-14 libclang-rt-14-dev python3 bc qemu-system-x86 bochs bochsbios vgabios simh zlib1g-dev cpio chromium"
missing=""
for p in $pkgs; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    # shellcheck disable=SC2086
    apt-get install -y -qq --no-install-recommends $missing
fi
