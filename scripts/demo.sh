#!/bin/sh
# The README's demo: fetches the Debian i386 guest (linux-image-686 and busybox-static, with
# `apt-get download`, cached under build/corpus-cache), builds its initramfs, boots it in
# trapeze's interpreter to a busybox /init that runs a few commands and reboots, with the
# Popek-Goldberg profile on, and then prints the virtualizability report of that run: which
# sensitive and privileged instructions the kernel executed, how often, and where; last, the
# first instruction that breaks the same kernel when it runs deprivileged (--virt=trap).
# (Debian's System.map is a stub pointing to the -dbg package, so sites stay addresses;
# `nokaslr` keeps them at the link addresses.) docs/linux-boot.md, docs/classification.md.
set -eu
cd "$(dirname "$0")/.."
cmake --build build --target trapeze linux-guest
mkdir -p build/demo
profile=build/demo/linux-profile.json
echo "== trapeze run pc -kernel vmlinuz -initrd initramfs -append 'console=ttyS0 acpi=off noapic nolapic nokaslr' --profile $profile"
./build/cli/trapeze run pc -m 128 -kernel build/corpus-cache/vmlinuz \
    -initrd build/corpus/linux/initramfs.cpio.gz -append "console=ttyS0 acpi=off noapic nolapic nokaslr" \
    -rtc base=2024-01-01 -no-reboot --profile "$profile"
echo "== trapeze report $profile"
./build/cli/trapeze report "$profile"
# Why those instructions matter: the same kernel deprivileged under the trap-and-emulate
# monitor with its sensitive instructions left as they are (docs/monitor.md). The divergence
# finder runs it beside the bare machine and names the first instruction that breaks it.
echo "== trapeze diff pc ... --virt=trap   (first divergence of the deprivileged kernel)"
status=0
./build/cli/trapeze diff pc -m 128 -kernel build/corpus-cache/vmlinuz \
    -initrd build/corpus/linux/initramfs.cpio.gz -append "console=ttyS0 acpi=off noapic nolapic" \
    -rtc base=2024-01-01 -no-reboot --virt=trap --max-insns 50000000 || status=$?
[ "$status" -eq 4 ] || { echo "demo: expected a divergence (exit 4), got exit $status" >&2; exit 1; }
