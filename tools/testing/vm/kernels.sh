# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# The kernels the guest can boot, sourced by tools/testing/vm/run:
#   distro      Debian 12's 6.12 kernel (bookworm's newer series)
#   distro-6.1  Debian 12's default kernel, 6.1
#   debug       6.12 built with KASAN, lockdep, kmemleak (debug-kernel.sh)

# vm_kernel distro|distro-6.1|debug|PATH: set image, name, append and
# modules_from.
vm_kernel() {
	local series
	case "$1" in
	distro | distro-6.1)
		series=6.12
		[ "$1" = distro-6.1 ] && series=6.1
		kver=$("$here/../../scripts/kver.sh" "$series")
		[ -n "$kver" ] || { echo "vm: no Debian $series kernel installed (run: make deps)" >&2; exit 2; }
		image=/boot/vmlinuz-$kver
		name=$1
		# A hung task or a soft lockup stops the guest at once (the
		# debug kernel is built to), instead of at the run's limit.
		append="hung_task_panic=1 softlockup_panic=1"
		modules_from=$kver
		;;
	debug)
		local tree
		tree=$("$here/debug-kernel.sh")
		image=$tree/arch/x86/boot/bzImage
		name=debug
		# A warning is a failure: stop at the first one, with its trace.
		# pci=noacpi: routing PCI interrupts through ACPI costs about
		# 28 s per link under TCG on this kernel (its AML interpreter
		# runs fully instrumented); the BIOS tables give the same IRQs.
		append="panic_on_warn=1 kasan.fault=panic pci=noacpi no5lvl"
		modules_from=
		;;
	*)
		image=$1
		name=custom
		append=
		modules_from=
		;;
	esac
	[ -r "$image" ] || { echo "vm: cannot read kernel image $image" >&2; exit 2; }
}

# vm_initramfs DIR: build the initramfs into DIR and print its path.  It
# holds busybox, the stage-1 init and, for a modular kernel, the drivers
# needed to reach the host's files, decompressed and in load order.
vm_initramfs() {
	local dir=$1/initramfs root n=0 kind path file
	root=$(mktemp -d)
	mkdir -p "$root"/{bin,dev,proc,sys,newroot,modules}
	cp /bin/busybox "$root/bin/busybox"
	cp "$here/init" "$root/init"
	if [ -n "$modules_from" ]; then
		while read -r kind path; do
			[ "$kind" = insmod ] || continue
			n=$((n + 1))
			file=$(printf '%02d-%s' "$n" "$(basename "${path%.*}")")
			case "$path" in
			*.xz) xz -dc "$path" >"$root/modules/$file" ;;
			*.zst) zstd -qdc "$path" >"$root/modules/$file" ;;
			*) cp "$path" "$root/modules/$file" ;;
			esac
			echo "$file" >>"$root/modules/order"
		done < <(modprobe -S "$modules_from" --show-depends -a virtio_pci 9p 9pnet_virtio |
			 awk '!seen[$2]++')
	fi
	(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) >"$dir.cpio.gz"
	rm -rf "$root"
	echo "$dir.cpio.gz"
}
