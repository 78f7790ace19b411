#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# kver.sh [SERIES]: print the newest installed Debian kernel of SERIES
# (6.12 by default, or 6.1) that has both a bootable image and headers:
# the module is built against exactly what the guest boots.  Prints
# nothing if there is none (run: make deps).
set -uo pipefail

series=${1:-6.12}
# Debian names them 6.12.N+debV-amd64 and 6.1.0-N-amd64.
for dir in $(ls -d "/lib/modules/$series".*-amd64 2>/dev/null | sort -rV); do
	v=${dir##*/}
	if [ -r "/boot/vmlinuz-$v" ] && [ -d "$dir/build" ]; then
		echo "$v"
		exit 0
	fi
done
