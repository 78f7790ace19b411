#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# dkms.sh install|remove: the module under DKMS from this tree (make
# dkms-install, make dkms-remove; Documentation/packaging.rst).
#
#   install  the source tree in $DKMS_SRC/zcopy-VERSION, dkms add, then
#            dkms install for every installed kernel that has its headers,
#            as DKMS does for a package (dkms alone would build for the
#            running one); fails at the end if any kernel failed
#   remove   dkms remove for every kernel, and the source tree
#
# DKMS_SRC (default /usr/src) and DKMS_FLAGS (e.g. --dkmstree,
# --installtree) for trees other than the system's.
set -euo pipefail

project=$(cd "$(dirname "$0")/../../.." && pwd)
src=${DKMS_SRC:-/usr/src}
read -r -a flags <<<"${DKMS_FLAGS:-}"
version=$(sed -n 's/^#define ZCOPY_VERSION "\(.*\)"$/\1/p' "$project/kmod/version.h")
[ -n "$version" ] || { echo "dkms: no ZCOPY_VERSION in kmod/version.h" >&2; exit 1; }

case "${1:-}" in
install)
	"$project/tools/packaging/dkms/source-tree.sh" "$src/zcopy-$version" >/dev/null
	dkms "${flags[@]}" status -m zcopy -v "$version" | grep -q . ||
		dkms "${flags[@]}" add -m zcopy -v "$version"
	rc=0
	for d in /lib/modules/*/; do
		k=$(basename "$d")
		[ -e "$d/build" ] || continue
		echo "dkms-install: $k"
		dkms "${flags[@]}" install -m zcopy -v "$version" -k "$k" ||
			{ echo "dkms-install: failed for $k" >&2; rc=1; }
	done
	exit $rc
	;;
remove)
	dkms "${flags[@]}" remove -m zcopy -v "$version" --all
	rm -rf "${src:?}/zcopy-$version"
	;;
*)
	echo "usage: dkms.sh install|remove" >&2
	exit 2
	;;
esac
