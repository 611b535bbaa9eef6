#!/bin/busybox sh
# /init of trapeze's Debian guest initramfs (busybox-static only). Prints a marker, runs a
# few commands whose output is compared with the same initramfs under qemu-system-i386,
# then reboots so that the run ends by itself (trapeze and QEMU with -no-reboot).
/bin/busybox --install -s
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
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
