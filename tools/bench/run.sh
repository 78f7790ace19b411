#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# run.sh full|quick: `make bench` and `make bench-quick`.  Boots the
# distribution kernel with the wire topology and a scratch disk, runs
# guest.sh in it, and prints the summary of what it measured.  Results:
# build/bench/<kind>-<date>/ (CSV, JSON, PNG, the tables, summary.md).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
project=$(cd "$here/../.." && pwd)
kind=${1:-full}
case "$kind" in full | quick) ;; *) echo "usage: run.sh full|quick" >&2; exit 2 ;; esac

cd "$project"
make -s module zcctl >/dev/null
make -s -C tools/zcbench >/dev/null
make -s -C tools/zcserve >/dev/null
tools/build-module.sh distro "$(make -s --no-print-directory print-kdir)" >/dev/null

out=$project/build/bench/$kind-$(date +%Y%m%d-%H%M%S)
mkdir -p "$out"
# The guest makes its own filesystem on this; sparse, so it costs little.
disk=$project/build/bench/disk.img
rm -f "$disk"
truncate -s 3G "$disk"

tools/vm/run --kernel distro --wire --mem 4G --disk "$disk" --timeout 5400 \
	--out "$out/vm" -- tools/bench/guest.sh "$out" "$kind"
rm -f "$disk"
python3 "$here/summary.py" "$out" | tee "$out/summary.md"
echo "results: $out"
