#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Stage 2 of the guest: PID 1 on the host's root filesystem.  Sets up the
# guest, loads the module, runs the command, and reports on ttyS2, a
# channel nothing else writes to:
#
#   zcopy-exit: <status of the command>
#   zcopy-unload: ok|failed|none
#
# Kernel messages go to ttyS0 (saved by the host); the command's own
# input and output are on ttyS1.
set -u
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/tmp LANG=C.UTF-8

# shellcheck source=/dev/null
. "$ZCOPY_RUN/env"
export ZCOPY_PROJECT ZCOPY_RUN ZCOPY_MODULE ZCOPY_WIRE ZCOPY_KERNEL ZCOPY_KSRC \
	ZCOPY_TIME_SCALE

report() {
	echo "$1" >/dev/ttyS2
}

finish() {
	sync
	/bin/busybox reboot -f
	sleep 1000
}

mkdir -p /dev/pts /dev/shm
# What udev or systemd would provide: bash's <(...) needs /dev/fd.
ln -sfn /proc/self/fd /dev/fd
ln -sfn /proc/self/fd/0 /dev/stdin
ln -sfn /proc/self/fd/1 /dev/stdout
ln -sfn /proc/self/fd/2 /dev/stderr
mount -t devpts -o newinstance,ptmxmode=0666 devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
[ -d /sys/kernel/config ] && mount -t configfs configfs /sys/kernel/config
hostname zcopy-vm

# The kernel's hang detectors (hung task, soft lockup, RCU stall) are
# limits too: scaled for this machine like every other.
for knob in /proc/sys/kernel/hung_task_timeout_secs \
	/proc/sys/kernel/watchdog_thresh \
	/sys/module/rcupdate/parameters/rcu_cpu_stall_timeout; do
	[ -w "$knob" ] || continue
	"$ZCOPY_PROJECT/tools/testing/vm/seconds" "$(cat "$knob")" 2>/dev/null >"$knob"
done
ip link set lo up

# Distribution kernel: drivers are modules (no udev in the guest to load
# them); the debug kernel has them built in and modprobe finds nothing.
if [ -d "/lib/modules/$(uname -r)" ]; then
	modprobe -q virtio_net
	modprobe -q veth
fi

# The wire topology: two virtio NICs joined by a QEMU hub, one in each
# namespace, so traffic between wire0 and wire1 leaves through a real
# driver.  Addresses from the benchmarking range.
wire_setup() {
	local i dev mac
	for i in 0 1; do
		mac=52:54:00:5a:00:0$((i + 1))
		dev=$(grep -lx "$mac" /sys/class/net/*/address | cut -d/ -f5)
		[ -n "$dev" ] || { echo "zcopy-vm: no NIC with $mac" >&2; return 1; }
		ip netns add "wire$i" &&
		ip link set "$dev" netns "wire$i" name "wire$i" &&
		ip -n "wire$i" link set lo up &&
		ip -n "wire$i" addr add "198.18.0.$((i + 1))/24" dev "wire$i" &&
		ip -n "wire$i" addr add "2001:db8::$((i + 1))/64" dev "wire$i" nodad &&
		ip -n "wire$i" link set "wire$i" up || return 1
	done
}

rc=0
if [ "$ZCOPY_WIRE" = 1 ] && ! wire_setup; then
	echo "zcopy-vm: wire topology setup failed" >/dev/ttyS1
	rc=125
fi

if [ "$rc" = 0 ] && [ -n "$ZCOPY_MODULE" ] && ! insmod "$ZCOPY_MODULE"; then
	echo "zcopy-vm: insmod $ZCOPY_MODULE failed" >/dev/ttyS1
	rc=125
fi

if [ "$rc" = 0 ]; then
	cd "$ZCOPY_PROJECT" || exit 1
	# A session of its own with ttyS1 as controlling terminal, so that an
	# interactive shell gets job control and ^C.
	setsid --ctty --wait bash "$ZCOPY_RUN/cmd" <>/dev/ttyS1 >&0 2>&0
	rc=$?
fi
report "zcopy-exit: $rc"

# Whatever the command did, the module must still unload: a leaked
# reference shows up here.
unload=none
if grep -q '^zcopy ' /proc/modules; then
	if rmmod zcopy 2>/dev/ttyS1; then unload=ok; else unload=failed; fi
fi
report "zcopy-unload: $unload"

# kmemleak reports only objects older than 5 s: wait, scan, and copy any
# report into the kernel log, where the host looks for it.
if [ -w /sys/kernel/debug/kmemleak ]; then
	sleep 5
	echo scan >/sys/kernel/debug/kmemleak
	leaks=$(cat /sys/kernel/debug/kmemleak)
	[ -n "$leaks" ] && printf '%s\n' "$leaks" >/dev/kmsg
fi
report "zcopy-done"
finish
