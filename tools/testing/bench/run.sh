#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# run.sh full|quick|cold [SECTION...]: `make bench`, `make bench-quick`
# and `make bench-cold` (only the cold points of issue 13, disk reads).
# For each section of guest.sh (all of them, or those named), boots the
# distribution kernel with the wire topology and a fresh scratch disk
# and runs that section in it; then prints the summary of what they
# measured.  A section whose guest fails is named at the end and left
# out of the summary; the others still count.  Results:
# build/bench/<kind>-<date>/ (CSV, JSON, PNG, the tables, summary.md,
# each section's guest under vm-<section>/).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
project=$(cd "$here/../../.." && pwd)
kind=${1:-full}
case "$kind" in full | quick | cold) ;; *) echo "usage: run.sh full|quick|cold [SECTION...]" >&2; exit 2 ;; esac
shift || true
if [ $# -gt 0 ]; then
	sections=("$@")
else
	read -ra sections < <("$here/guest.sh" --sections "$kind")
fi

cd "$project"
make -s module zcctl >/dev/null
make -s -C tools/zcbench >/dev/null
make -s -C tools/zcserve >/dev/null
tools/scripts/build-module.sh distro >/dev/null

out=$project/build/bench/$kind-$(date +%Y%m%d-%H%M%S)
mkdir -p "$out"
# Each guest makes its own filesystem on this; sparse, so it costs
# little.  Room for zcbench's files (1 GiB the largest) and the 1.5 GiB
# cold set.
disk=$project/build/bench/disk.img
# No section takes an hour on the reference machine.
budget=$(tools/testing/vm/seconds 3600)
failed=()
for section in "${sections[@]}"; do
	echo "== bench: $section"
	rm -f "$disk"
	truncate -s 5G "$disk"
	tools/testing/vm/run --kernel distro --wire --mem 4G --disk "$disk" \
		--timeout "$budget" --quiet 0 --out "$out/vm-$section" -- \
		tools/testing/bench/guest.sh "$out" "$kind" "$section" ||
		failed+=("$section")
done
rm -f "$disk"
python3 "$here/summary.py" "$out" | tee "$out/summary.md"
echo "results: $out"
if [ ${#failed[@]} -gt 0 ]; then
	echo "bench: these sections' guests failed: ${failed[*]} (logs: $out/vm-<section>/)" >&2
	exit 1
fi
