#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Print the QEMU accelerator arguments to use: KVM if it really runs a
# guest, TCG otherwise.  /dev/kvm may exist yet fail on the first
# instruction it has to emulate (nested virtualisation), so opening it
# proves nothing: boot a 512-byte real-mode program under KVM that writes
# a marker to the serial port and exits QEMU through isa-debug-exit.
set -uo pipefail

tcg="-accel tcg,thread=multi -cpu max"

if [ ! -w /dev/kvm ]; then
	echo "$tcg"
	exit 0
fi

dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

# mov dx,0x3f8; mov al,'K'; out dx,al; mov al,'V'; out dx,al;
# mov al,'M'; out dx,al; mov al,0x10; out 0xf4,al; cli; hlt
{
	printf '\xba\xf8\x03\xb0K\xee\xb0V\xee\xb0M\xee\xb0\x10\xe6\xf4\xfa\xf4'
	head -c $((510 - 18)) /dev/zero
	printf '\x55\xaa'
} >"$dir/boot.img"

# In a subshell, so that the shell's own "Aborted" notice stays quiet.
(timeout 10 qemu-system-x86_64 -accel kvm -cpu host -m 16 -nodefaults \
	-no-user-config -display none \
	-drive "file=$dir/boot.img,format=raw,if=ide" \
	-device isa-debug-exit,iobase=0xf4,iosize=0x04 \
	-serial "file:$dir/serial" </dev/null; exit $?) >/dev/null 2>&1
rc=$?

# isa-debug-exit makes QEMU exit with (value << 1) | 1 = 33.
if [ "$rc" -eq 33 ] && grep -q KVM "$dir/serial" 2>/dev/null; then
	echo "-accel kvm -cpu host"
else
	echo "$tcg"
fi
