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
# Sources only: kbuild's own files from another tree (zcopy.mod lists
# object paths, Module.symvers, ...) would be taken as up to date here.
rsync -a --delete --delete-excluded --exclude='*.mod.c' \
	--include='*/' --include='*.[ch]' \
	--include='Kbuild' --exclude='*' \
	"$project/kmod" "$project/include" "$dest/"
make -s -C "$2" M="$dest/kmod" modules >&2
echo "$dest/kmod/zcopy.ko"
