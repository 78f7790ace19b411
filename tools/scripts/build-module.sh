#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# build-module.sh NAME [KDIR]: build kmod/ against the kernel tree KDIR
# into build/NAME/kmod and print the path of zcopy.ko.  A copy of the
# sources per kernel, because kbuild writes its objects next to them.
# Without KDIR, NAME is a guest kernel of tools/testing/vm/kernels.sh: distro
# (Debian's 6.12), distro-6.1 or debug.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
project=$(cd "$here/../.." && pwd)
kdir=${2:-}
if [ -z "$kdir" ]; then
	case "$1" in
	distro) kver=$("$here/kver.sh" 6.12) ;;
	distro-6.1) kver=$("$here/kver.sh" 6.1) ;;
	debug) kdir=$("$here/../testing/vm/debug-kernel.sh") ;;
	*) echo "build-module: no kernel tree for $1" >&2; exit 2 ;;
	esac
	if [ -z "$kdir" ]; then
		[ -n "$kver" ] || { echo "build-module: no Debian kernel with headers for $1 (run: make deps)" >&2; exit 2; }
		kdir=/lib/modules/$kver/build
	fi
fi
dest=$project/build/$1
mkdir -p "$dest"
# Sources only: kbuild's own files from another tree (zcopy.mod lists
# object paths, Module.symvers, ...) would be taken as up to date here.
rsync -a --delete --delete-excluded --exclude='*.mod.c' \
	--include='*/' --include='*.[ch]' \
	--include='Kbuild' --include='*.sh' --exclude='*' \
	"$project/kmod" "$project/include" "$dest/"
make -s -C "$kdir" M="$dest/kmod" modules >&2
echo "$dest/kmod/zcopy.ko"
