#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# `make demo`: boot the distribution kernel in QEMU, load the freshly
# built module and show it working.
set -euo pipefail

project=$(cd "$(dirname "$0")/.." && pwd)
cd "$project"
make -s all
module=$(tools/build-module.sh distro)
echo "Booting the distribution kernel in QEMU (software emulation takes a while)..."
exec tools/vm/run --kernel distro --module "$module" --timeout 600 -- tools/demo-guest.sh
