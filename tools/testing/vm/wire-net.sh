#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# wire-net.sh COMMAND...: run COMMAND (QEMU) with two tap devices, zcw0
# and zcw1, joined by a bridge, for the wire topology's two NICs.
#
# Run it under `unshare --net`: the taps and the bridge then live in a
# network namespace of their own, invisible to the host, and vanish with
# QEMU.  Taps rather than QEMU's internal hub because only a backend
# with virtio-net headers lets the guest NIC offer checksum offload, and
# without it the guest driver turns scatter-gather off: every packet
# would be copied on send and no zero-copy path could be measured.
#
# "wire-net.sh --probe" only checks that this machine can do it.
set -eu

ip link add zcwbr type bridge
for i in 0 1; do
	ip tuntap add dev "zcw$i" mode tap vnet_hdr
	ip link set "zcw$i" master zcwbr
	ip link set "zcw$i" up
done
ip link set zcwbr up
[ "$1" = --probe ] && exit 0
exec "$@"
