#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Print the QEMU accelerator arguments to use: KVM if it really runs a
# guest, TCG otherwise.  /dev/kvm may exist yet fail once a guest does
# real work (nested virtualisation: "KVM internal error ... emulation
# failure" while the kernel decompresses itself, after which QEMU sits
# paused), so neither opening it nor running a few real-mode instructions
# proves anything.  Boot the guests' own Debian kernel under KVM into an
# initramfs that prints a marker and powers off; watch for the marker,
# QEMU's exit or its KVM error, and decide within seconds either way.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
tcg="-accel tcg,thread=multi -cpu max"

kver=$("$here/../../scripts/kver.sh" 6.12)
if [ ! -w /dev/kvm ] || [ -z "$kver" ]; then
	echo "$tcg"
	exit 0
fi

dir=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null; rm -rf "$dir"' EXIT

mkdir -p "$dir/root/bin"
cp /bin/busybox "$dir/root/bin/busybox"
printf '#!/bin/busybox sh\n/bin/busybox echo zcopy-kvm-ok\n/bin/busybox poweroff -f\n' \
	>"$dir/root/init"
chmod +x "$dir/root/init"
(cd "$dir/root" && find . | cpio -o -H newc --quiet | gzip -1) >"$dir/initrd"

qemu-system-x86_64 -accel kvm -cpu host -m 256 -nodefaults -no-user-config \
	-display none -no-reboot -kernel "/boot/vmlinuz-$kver" \
	-initrd "$dir/initrd" -append "console=ttyS0 quiet panic=-1" \
	-serial "file:$dir/serial" </dev/null >"$dir/qemu.log" 2>&1 &
pid=$!

ok=0
for _ in $(seq 300); do
	if grep -q zcopy-kvm-ok "$dir/serial" 2>/dev/null; then
		ok=1
		break
	fi
	grep -q 'internal error\|emulation failure' "$dir/qemu.log" && break
	kill -0 "$pid" 2>/dev/null || break
	sleep 0.1
done

if [ "$ok" = 1 ]; then
	echo "-accel kvm -cpu host"
else
	echo "$tcg"
fi
