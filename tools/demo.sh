#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# `make demo`: boot the distribution kernel in QEMU with the wire
# topology, load the freshly built module and show it sending a file
# (tools/demo-guest.sh).
set -euo pipefail

project=$(cd "$(dirname "$0")/.." && pwd)
cd "$project"
start=$(date +%s)
make -s all
module=$(tools/build-module.sh distro "$(make -s --no-print-directory print-kdir)")
echo "Booting the distribution kernel in QEMU (software emulation takes a while)..."
rc=0
tools/vm/run --kernel distro --wire --module "$module" --timeout 600 \
	--out build/demo -- tools/demo-guest.sh || rc=$?
echo "make demo: $(($(date +%s) - start)) s in all, build and boot included (exit $rc)"
exit "$rc"
