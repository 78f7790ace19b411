#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# `make demo [KERNEL=distro]`: boot a distribution kernel in QEMU with
# the wire topology (Debian 12's default, 6.1, unless told otherwise),
# load the freshly built module and show it sending a file
# (tools/testing/demo/guest.sh).
set -euo pipefail

kernel=${1:-distro-6.1}

project=$(cd "$(dirname "$0")/../../.." && pwd)
cd "$project"
start=$(date +%s)
make -s all
module=$(tools/scripts/build-module.sh "$kernel")
echo "Booting the $kernel kernel in QEMU (software emulation takes a while)..."
rc=0
tools/testing/vm/run --kernel "$kernel" --wire --module "$module" --timeout 600 \
	--out build/demo -- tools/testing/demo/guest.sh || rc=$?
echo "make demo: $(($(date +%s) - start)) s in all, build and boot included (exit $rc)"
exit "$rc"
