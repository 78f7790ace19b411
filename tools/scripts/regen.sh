#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# regen.sh [--check]: make what is generated from the netlink family's
# YNL spec (Documentation/netlink/specs/zcopy.yaml) with the kernel's own
# generator, tools/net/ynl/ynl-gen-c.py of the 6.12 source (ksrc.sh):
# today the uapi header of the family, include/uapi/linux/zcopy_netlink.h.
# With --check, change nothing and fail if the committed file is not
# what the spec gives (make style runs that).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
project=$(cd "$here/../.." && pwd)
check=0
[ "${1:-}" = --check ] && check=1

ksrc=$("$here/ksrc.sh")
gen=$ksrc/tools/net/ynl/ynl-gen-c.py
[ -f "$gen" ] || { echo "regen: no YNL generator at $gen" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# The generator checks the spec against the schema two directories up,
# and names it by its path below the directory holding MAINTAINERS: give
# it the layout of a kernel tree.
mkdir -p "$tmp/Documentation/netlink/specs"
: >"$tmp/MAINTAINERS"
cp "$ksrc/Documentation/netlink/genetlink.yaml" "$tmp/Documentation/netlink/"
cp "$project/Documentation/netlink/specs/zcopy.yaml" \
	"$tmp/Documentation/netlink/specs/"

out=include/uapi/linux/zcopy_netlink.h
# A second or two; without MAINTAINERS above the spec it loops forever.
timeout 300 python3 "$gen" --mode uapi --header \
	--spec "$tmp/Documentation/netlink/specs/zcopy.yaml" -o "$tmp/out.h" >&2
if [ "$check" = 1 ]; then
	if ! cmp -s "$tmp/out.h" "$project/$out"; then
		diff -u "$project/$out" "$tmp/out.h" >&2 || true
		echo "regen: $out is not what the spec gives (run: make regen)" >&2
		exit 1
	fi
	echo "regen: $out matches the spec"
else
	cp "$tmp/out.h" "$project/$out"
	echo "regen: wrote $out"
fi
