#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The stress program (lib/stress.c) over each kind of source and transport,
# and both IP versions: files on tmpfs, on ext4 ($ZCOPY_SCRATCH) with a
# loop block device as one more source, and on 9p (the project tree in
# the guest); over loopback, a veth pair and the wire topology's NICs.
# STRESS_SECONDS sets each run's length (make stress: longer); by default
# 8 s scaled for this machine, so that a slower one does as much work.
here=$(cd "$(dirname "$0")" && pwd)
# The kernel's TAP helpers (kselftest/ktap_helpers.sh, copied here by the
# Makefile), and the time limits scaled for the machine.
# shellcheck source=/dev/null
. "$here/ktap_helpers.sh"
# shellcheck source=selftests/zcopy/lib/scale.sh
. "$here/lib/scale.sh"
secs=${STRESS_SECONDS:-$(zc_seconds 8)}
img=/tmp/zcopy-stress-blk.img

run() {
	local name=$1 out status
	shift
	out=$("$here/lib/stress" -t "$secs" "$@" 2>&1)
	status=$?
	grep '^#' <<<"$out"
	if [ "$status" = 0 ]; then
		ktap_test_pass "$name"
	else
		ktap_test_fail "$name"
	fi
}

# skip NAME WHY
skip() {
	ktap_print_msg "$1: $2"
	ktap_test_skip "$1"
}

ktap_print_header
ktap_set_plan 5
run tmpfs_ipv4 -d /tmp -s 1

dev=
if [ -n "${ZCOPY_SCRATCH:-}" ] && truncate -s 8M "$img" &&
	dev=$(losetup -f --show --read-only "$img" 2>/dev/null); then
	run ext4_blockdev_ipv6 -6 -d "$ZCOPY_SCRATCH" -b "$dev"
	losetup -d "$dev"
else
	skip ext4_blockdev_ipv6 "no scratch filesystem or loop device"
fi
rm -f "$img"

ninep=$(cd "$here/../.." && pwd)/build/stress-9p
if mkdir -p "$ninep" && [ "$(findmnt -n -o FSTYPE -T "$ninep")" = 9p ]; then
	run 9p_ipv4 -d "$ninep" -c 2 -x 2
else
	skip 9p_ipv4 "$ninep is not on 9p"
fi
rm -rf "$ninep"

# A veth pair between two namespaces of our own, over IPv6.
if ip netns add zcstress-a 2>/dev/null && ip netns add zcstress-b &&
	ip link add zcstress-a type veth peer name zcstress-b &&
	ip link set zcstress-a netns zcstress-a &&
	ip link set zcstress-b netns zcstress-b &&
	ip -n zcstress-a addr add fd00:7a::1/64 dev zcstress-a nodad &&
	ip -n zcstress-b addr add fd00:7a::2/64 dev zcstress-b nodad &&
	ip -n zcstress-a link set zcstress-a up &&
	ip -n zcstress-b link set zcstress-b up; then
	run veth_ipv6 -n zcstress-a,zcstress-b,fd00:7a::2 -d /tmp
else
	skip veth_ipv6 "no veth pair"
fi
ip netns del zcstress-a 2>/dev/null
ip netns del zcstress-b 2>/dev/null

if [ -e /run/netns/wire0 ]; then
	run wire_ipv4 -n wire0,wire1,198.18.0.2 -d "${ZCOPY_SCRATCH:-/tmp}"
else
	skip wire_ipv4 "no wire topology (tools/testing/vm/run --wire)"
fi
ktap_finished
