#!/bin/sh
# Fetches the Debian i386 guest packages and extracts what trapeze boots, without root and
# without touching the host's apt or dpkg state:
#   linux-image-686 (resolved through the metapackage to linux-image-X-686) -> vmlinuz
#   busybox-static:i386                                                  -> busybox
#   memtest86+                                                           -> memtest86+ia32.bin
# A private apt configuration (architecture i386, its own lists and cache under CACHE) asks
# Debian's archive with `apt-get download`; `dpkg-deb` extracts. Once the files exist the
# script does nothing (no network) unless --refresh is given.
#
# usage: fetch-debian.sh CACHE_DIR [--refresh]
set -eu
cache=${1:?usage: fetch-debian.sh CACHE_DIR [--refresh]}
refresh=${2:-}
mkdir -p "$cache"
cache=$(cd "$cache" && pwd)
out_files="vmlinuz busybox memtest86+ia32.bin"
if [ "$refresh" != "--refresh" ]; then
    have=1
    for f in $out_files; do [ -s "$cache/$f" ] || have=0; done
    if [ $have = 1 ]; then exit 0; fi
fi
for tool in apt-get apt-cache dpkg-deb tar; do
    command -v $tool >/dev/null 2>&1 || { echo "fetch-debian.sh: $tool not found (Debian's apt and dpkg are needed)" >&2; exit 1; }
done

apt_dir="$cache/apt"
mkdir -p "$apt_dir/lists/partial" "$apt_dir/archives/partial" "$cache/debs"
: > "$apt_dir/status"
# The host's sources (deb.debian.org for bookworm), but i386 and private state.
set -- -q -o APT::Architecture=i386 -o APT::Architectures::=i386 \
    -o Dir::State="$apt_dir" -o Dir::State::Lists="$apt_dir/lists" -o Dir::State::status="$apt_dir/status" \
    -o Dir::Cache="$apt_dir" -o Dir::Cache::archives="$apt_dir/archives" \
    -o Debug::NoLocking=1 -o APT::Sandbox::User="$(id -un)"
# A mirror in the middle of a sync serves index files whose sizes disagree with its Release
# file ("File has unexpected size ... Mirror sync in progress?"). apt then keeps the lists it
# did get and says so with a failure status; what matters is whether the packages below
# resolve and download from them, so an incomplete update is a warning, and the update is
# tried again (after 20 s, then 60 s) only when resolving or downloading fails.
update() {
    echo "fetch-debian.sh: updating the i386 package lists in $apt_dir" >&2
    apt-get "$@" update >"$apt_dir/update.log" 2>&1 ||
        echo "fetch-debian.sh: warning: apt-get update did not complete ($(grep -m1 '^E:' "$apt_dir/update.log" || echo 'see update.log')); going on with the lists it fetched" >&2
}
# The metapackage depends on exactly one versioned image package.
resolve() {
    apt-cache "$@" depends linux-image-686 2>/dev/null |
        awk '$1 == "Depends:" && $2 ~ /^linux-image-[0-9]/ { print $2; exit }'
}
download() {
    (cd "$cache/debs" && rm -f ./*.deb &&
        apt-get "$@" download "$image" busybox-static memtest86+ >"$apt_dir/download.log" 2>&1)
}
image=
for wait in 20 60 0; do
    update "$@"
    image=$(resolve "$@")
    if [ -n "$image" ]; then
        echo "fetch-debian.sh: linux-image-686 -> $image" >&2
        download "$@" && break
        echo "fetch-debian.sh: apt-get download failed: $(grep -m1 '^E:' "$apt_dir/download.log" || true)" >&2
    else
        echo "fetch-debian.sh: cannot resolve linux-image-686 to a linux-image-X-686 package" >&2
    fi
    if [ $wait = 0 ]; then
        cat "$apt_dir/update.log" "$apt_dir/download.log" >&2 2>/dev/null || true
        echo "fetch-debian.sh: giving up (apt-get update, resolve or download failed three times)" >&2
        exit 1
    fi
    echo "fetch-debian.sh: trying again in $wait s" >&2
    sleep $wait
done

x="$cache/extract"
rm -rf "$x"
mkdir -p "$x"
# Only /boot of the kernel package (the modules are not needed: the guest has no disks).
dpkg-deb --fsys-tarfile "$cache/debs/${image}"_*.deb | tar -x -C "$x" ./boot
dpkg-deb -x "$cache/debs"/busybox-static_*.deb "$x"
dpkg-deb -x "$cache/debs"/memtest86+_*.deb "$x"

kernel=$(ls "$x"/boot/vmlinuz-* | head -n 1)
memtest=$(find "$x" -name 'memtest86+ia32.bin' | head -n 1)
[ -s "$kernel" ] || { echo "fetch-debian.sh: no vmlinuz in $image" >&2; exit 1; }
[ -s "$x/bin/busybox" ] || { echo "fetch-debian.sh: no bin/busybox in busybox-static" >&2; exit 1; }
[ -s "$memtest" ] || { echo "fetch-debian.sh: no memtest86+ia32.bin in memtest86+" >&2; exit 1; }
cp "$kernel" "$cache/vmlinuz.tmp" && mv "$cache/vmlinuz.tmp" "$cache/vmlinuz"
cp "$x/bin/busybox" "$cache/busybox.tmp" && mv "$cache/busybox.tmp" "$cache/busybox"
cp "$memtest" "$cache/memtest86+ia32.bin.tmp" && mv "$cache/memtest86+ia32.bin.tmp" "$cache/memtest86+ia32.bin"
(cd "$cache/debs" && ls ./*.deb) | sed 's|^\./||' > "$cache/VERSIONS"
echo "fetch-debian.sh: $(basename "$kernel"), busybox, memtest86+ia32.bin in $cache" >&2
