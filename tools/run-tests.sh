#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# run-tests.sh OUTDIR: the guest side of `make check`.  Runs every
# selftest in selftests/zcopy, then, on a kernel with KUnit, every KUnit
# module built for it; each leaves its TAP/KTAP in OUTDIR/<name>.tap for
# the host to count, and its output on the console for people to read.
set -u

here=$(cd "$(dirname "$0")" && pwd)
project=$(cd "$here/.." && pwd)
out=${1:?usage: run-tests.sh OUTDIR}
mkdir -p "$out"
rc=0

tests=$(make -s -C "$project/selftests/zcopy" list)
for t in $tests; do
	echo "# selftests: zcopy: $t"
	(cd "$project/selftests/zcopy" && "./$t") 2>&1 | tee "$out/$t.tap"
	[ "${PIPESTATUS[0]}" -eq 0 ] || rc=1
done

kunit=/sys/kernel/debug/kunit
if [ -d "$kunit" ]; then
	for ko in "$(dirname "$ZCOPY_MODULE")"/*_kunit.ko; do
		[ -f "$ko" ] || continue
		name=$(basename "$ko" .ko)
		echo "# kunit: $name"
		# Suites run as the module loads; each new debugfs directory is
		# one of its suites, holding that suite's KTAP results.
		before=$(ls "$kunit")
		if ! insmod "$ko"; then
			echo "not ok 1 $name: insmod failed" | tee "$out/$name.tap"
			rc=1
			continue
		fi
		: >"$out/$name.tap"
		for suite in $(ls "$kunit"); do
			grep -qxF "$suite" <<<"$before" && continue
			tee -a "$out/$name.tap" <"$kunit/$suite/results"
		done
		rmmod "$name" || rc=1
	done
fi
exit "$rc"
