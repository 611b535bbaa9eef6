#!/bin/busybox sh
# /init of trapeze's Debian guest initramfs (busybox-static only). Prints a marker, runs a
# few commands whose output is compared with the same initramfs under qemu-system-i386,
# then reboots so that the run ends by itself (trapeze and QEMU with -no-reboot).
/bin/busybox --install -s
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
# Benchmark mode (benches/linux-cpu.sh): `trapeze.bench=MB` on the kernel command line runs
# a CPU-bound workload over MB MiB instead of the commands below. Without it nothing is
# printed here (`read` and `case` are shell builtins).
read -r cmdline < /proc/cmdline
case " $cmdline " in
*" trapeze.bench="*)
    mb=${cmdline##*trapeze.bench=}
    mb=${mb%% *}
    # The data: the guest's own /bin/busybox (2 MB of i386 code and data; gzip makes it about
    # half) repeated and cut at MB MiB. Making it costs little (cat and head copy pages), the
    # result is the same on every machine, and gzip does real work on all of it: its 32 KB
    # window never reaches the previous copy.
    bytes=$((mb * 1048576))
    size=$(wc -c < /bin/busybox)
    i=0
    while [ $((i * size)) -lt $bytes ]; do cat /bin/busybox; i=$((i + 1)); done | head -c $bytes > /tmp/data
    echo "TRAPEZE-BENCH: data $(wc -c < /tmp/data) bytes"
    echo "TRAPEZE-BENCH: start"
    busybox sha256sum /tmp/data
    echo "gzip: $(busybox gzip -c /tmp/data | busybox wc -c) bytes"
    echo "TRAPEZE-BENCH: end"
    reboot -f
    poweroff -f ;;
esac
echo "TRAPEZE-MARKER: init reached"
uname -a
cat /proc/cpuinfo
# Data generated in the guest: 20000 numbered lines (108894 bytes).
seq 1 20000 > /tmp/data
echo "data: $(wc -c < /tmp/data) bytes"
busybox sha256sum /tmp/data
echo "gzip: $(busybox gzip -9 -c /tmp/data | wc -c) bytes"
busybox gzip -9 -c /tmp/data | busybox gzip -d -c | busybox sha256sum
echo "TRAPEZE-MARKER: done"
reboot -f
# Only if reboot returned.
poweroff -f
