#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Print the newest installed Debian 6.12 kernel that has both a bootable
# image and headers: the module is built against exactly what the guest
# boots.  Prints nothing if there is none (run: make deps).
set -uo pipefail

for dir in $(ls -d /lib/modules/6.12.*-amd64 2>/dev/null | sort -rV); do
	v=${dir##*/}
	if [ -r "/boot/vmlinuz-$v" ] && [ -d "$dir/build" ]; then
		echo "$v"
		exit 0
	fi
done
