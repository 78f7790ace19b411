#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# build-module.sh NAME KDIR: build kmod/ against the kernel tree KDIR into
# build/NAME/kmod and print the path of zcopy.ko.  A copy of the sources
# per kernel, because kbuild writes its objects next to them.
set -euo pipefail

project=$(cd "$(dirname "$0")/.." && pwd)
dest=$project/build/$1
mkdir -p "$dest"
rsync -a --delete --exclude='*.o' --exclude='*.ko' --exclude='.*.cmd' \
	"$project/kmod" "$project/include" "$dest/"
make -s -C "$2" M="$dest/kmod" modules >&2
echo "$dest/kmod/zcopy.ko"
