#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# source-tree.sh DEST: the DKMS source tree of the module at DEST (e.g.
# /usr/src/zcopy-VERSION): kmod/ and include/uapi/ (sources only) and
# dkms.conf with the version of kmod/version.h.  Prints the version.
set -euo pipefail

project=$(cd "$(dirname "$0")/../../.." && pwd)
dest=${1:?usage: source-tree.sh DEST}
version=$(sed -n 's/^#define ZCOPY_VERSION "\(.*\)"$/\1/p' "$project/kmod/version.h")
[ -n "$version" ] || { echo "source-tree: no ZCOPY_VERSION in kmod/version.h" >&2; exit 1; }

rm -rf "$dest"
mkdir -p "$dest"
# Sources only: no objects or kbuild state from a build in the project tree.
rsync -a --exclude='*.mod.c' --include='*/' --include='*.[ch]' \
	--include='Kbuild' --include='*.sh' --include='.kunitconfig' --exclude='*' \
	"$project/kmod" "$project/include" "$dest/"
sed "s/#MODULE_VERSION#/$version/" "$project/tools/packaging/dkms/dkms.conf" >"$dest/dkms.conf"
echo "$version"
