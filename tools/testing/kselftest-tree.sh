#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# kselftest-tree.sh DEST: a minimal kernel tree at DEST with zcopy's
# selftests in it as tools/testing/selftests/zcopy, the way they would sit
# in a real one, so that
#
#   make -C DEST/tools/testing/selftests TARGETS=zcopy install INSTALL_PATH=DIR
#
# builds and installs them with the kernel's own Makefile and lib.mk.  Only
# what that needs is copied from the unpacked kernel source
# (tools/scripts/ksrc.sh): the selftests Makefile, lib.mk, the harness
# headers, the runner scripts, and scripts/subarch.include, which that
# Makefile reads.  The uapi header and the documentation's example,
# outside selftests/zcopy here, go into its import/ (see
# selftests/zcopy/Makefile).
set -euo pipefail

project=$(cd "$(dirname "$0")/../.." && pwd)
dest=$(realpath -m "${1:?usage: kselftest-tree.sh DEST}")
ksrc=${KSRC:-$("$project/tools/scripts/ksrc.sh")}
st=tools/testing/selftests

rm -rf "$dest"
mkdir -p "$dest/$st" "$dest/scripts"
cp "$ksrc/scripts/subarch.include" "$dest/scripts/"
cp -r "$ksrc/$st/kselftest" "$dest/$st/"
for f in Makefile lib.mk kselftest.h kselftest_harness.h run_kselftest.sh; do
	cp "$ksrc/$st/$f" "$dest/$st/"
done

# Its sources only (what git tracks or would), not programs built here.
zc=$dest/$st/zcopy
mkdir -p "$zc/import/include/linux"
(cd "$project/selftests/zcopy" &&
	git ls-files -z --cached --others --exclude-standard . |
	xargs -0 cp --parents -t "$zc")
cp "$project/include/uapi/linux/zcopy.h" \
	"$project/include/uapi/linux/zcopy_netlink.h" "$zc/import/include/linux/"
cp "$project/Documentation/examples/zcopy_send.c" "$zc/import/"
mkdir -p "$zc/import/lib/tests"
cp "$project"/tools/lib/zcopy/*.[ch] "$zc/import/lib/"
cp "$project"/tools/lib/zcopy/tests/*.[ch] "$zc/import/lib/tests/"
echo "$dest"
