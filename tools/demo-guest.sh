#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The guest side of `make demo`: what a user sees once the module is in.
set -euo pipefail

show() {
	printf '\n$ %s\n' "$*"
	"$@"
}

echo "Guest kernel: $(uname -r)"
show grep '^zcopy ' /proc/modules
show modinfo -F version "$ZCOPY_MODULE"
show sh -c "dmesg | grep 'zcopy:'"
show ls -l /dev/zcopy
show cat /sys/class/misc/zcopy/dev
show rmmod zcopy
show ls -l /dev/zcopy || echo "(gone with the module, as expected)"
show insmod "$ZCOPY_MODULE"
show ls -l /dev/zcopy
