#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# run.sh full|quick|cold: `make bench`, `make bench-quick` and
# `make bench-cold` (only the cold points of issue 13, disk reads).  Boots the
# distribution kernel with the wire topology and a scratch disk, runs
# guest.sh in it, and prints the summary of what it measured.  Results:
# build/bench/<kind>-<date>/ (CSV, JSON, PNG, the tables, summary.md).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
project=$(cd "$here/../../.." && pwd)
kind=${1:-full}
case "$kind" in full | quick | cold) ;; *) echo "usage: run.sh full|quick|cold" >&2; exit 2 ;; esac

cd "$project"
make -s module zcctl >/dev/null
make -s -C tools/zcbench >/dev/null
make -s -C tools/zcserve >/dev/null
tools/scripts/build-module.sh distro >/dev/null

out=$project/build/bench/$kind-$(date +%Y%m%d-%H%M%S)
mkdir -p "$out"
# The guest makes its own filesystem on this; sparse, so it costs little.
# Room for zcbench's files (1 GiB the largest) and the 1.5 GiB cold set.
disk=$project/build/bench/disk.img
rm -f "$disk"
truncate -s 5G "$disk"

tools/testing/vm/run --kernel distro --wire --mem 4G --disk "$disk" \
	--timeout 5400 --quiet 0 --out "$out/vm" -- \
	tools/testing/bench/guest.sh "$out" "$kind"
rm -f "$disk"
python3 "$here/summary.py" "$out" | tee "$out/summary.md"
echo "results: $out"
