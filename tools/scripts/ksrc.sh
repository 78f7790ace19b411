#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Print the path of an unpacked linux-source-6.12 tree, unpacking Debian's
# tarball into the cache the first time (or when the package was upgraded).
set -euo pipefail

cache=${ZCOPY_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/zcopy}
tarball=$(ls /usr/src/linux-source-6.12.tar.* 2>/dev/null | head -n1)
[ -n "$tarball" ] || { echo "ksrc: linux-source-6.12 is not installed (run: make deps)" >&2; exit 1; }

ver=$(dpkg-query -W -f='${Version}' linux-source-6.12)
dir=$cache/src/linux-source-$ver
if [ ! -f "$dir/.unpacked" ]; then
	mkdir -p "$cache/src"
	rm -rf "$dir" "$dir.tmp"
	mkdir -p "$dir.tmp"
	tar -C "$dir.tmp" --strip-components=1 -xf "$tarball"
	touch "$dir.tmp/.unpacked"
	mv "$dir.tmp" "$dir"
fi
echo "$dir"
