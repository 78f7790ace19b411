#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# run-tests.sh [--module-only] OUTDIR [TEST...]: the guest side of `make
# check`.  Runs every selftest in selftests/zcopy, then the harness's own
# tests here (vm/wire_topology_test.py, demo/demo_test.sh) (or only the
# TESTs named, "kunit" for the KUnit modules; with --module-only, not the
# tests of the harness and tools), then, on a kernel with KUnit, every
# KUnit module built for it; each leaves its TAP/KTAP in OUTDIR/<name>.tap for
# the host to count, its time in OUTDIR/times, and its output on the
# console for people to read.
set -u

here=$(cd "$(dirname "$0")" && pwd)
project=$(cd "$here/../.." && pwd)
list=list
if [ "${1:-}" = --module-only ]; then
	list="list-module"
	shift
fi
out=${1:?usage: run-tests.sh [--module-only] OUTDIR [TEST...]}
shift
only=" $* "
mkdir -p "$out"
rm -f "$out/times"	# seconds per test, for the host's report
rc=0

# shellcheck source=selftests/zcopy/lib/module.sh
. "$project/selftests/zcopy/lib/module.sh"
zc_scratch_setup || { echo "run-tests: no scratch filesystem" >&2; rc=1; }

# Each test file's limit: kselftest's (selftests/zcopy/settings), scaled
# for this machine as every limit is (ZCOPY_TIME_SCALE), unless
# ZCOPY_TEST_LIMIT gives one in seconds (make stress, for its long runs).
limit=${ZCOPY_TEST_LIMIT:-$("$here/vm/seconds" "$(sed -n 's/^timeout=//p' \
	"$project/selftests/zcopy/settings")")}

# run_test DIR T: run the test file T in DIR, its TAP in OUTDIR/T.tap.
run_test() {
	local dir=$1 t=$2 began beat status
	began=$SECONDS
	# A line each minute on the terminal (not in the TAP) while the test
	# runs: the runner's silence watchdog is for a guest that has stopped;
	# a test that hangs is stopped at its own limit, and the rest run.
	(
		trap 'kill "$nap" 2>/dev/null; exit' TERM
		while :; do
			sleep 60 &
			nap=$!
			wait "$nap"
			echo "# $t: running, $((SECONDS - began)) s"
		done
	) &
	beat=$!
	(cd "$dir" && timeout -k 10 "$limit" "./$t") 2>&1 |
		tee "$out/$t.tap"
	# 4 is kselftest's "skipped" (the whole file, for a reason it says).
	status=${PIPESTATUS[0]}
	kill "$beat"
	wait "$beat" 2>/dev/null
	if [ "$status" -eq 124 ] ||
		{ [ "$status" -eq 137 ] && [ $((SECONDS - began)) -ge "$limit" ]; }; then
		echo "# $t: stopped at its limit of $limit s" | tee -a "$out/$t.tap"
	fi
	echo "$((SECONDS - began)) $t" >>"$out/times"
	[ "$status" -eq 0 ] || [ "$status" -eq 4 ] || rc=1
}

tests=$(make -s -C "$project/selftests/zcopy" "$list")
for t in $tests; do
	[ $# -eq 0 ] || [[ $only == *" $t "* ]] || continue
	echo "# selftests: zcopy: $t"
	run_test "$project/selftests/zcopy" "$t"
done

# The harness's own tests, kept beside what they test rather than among
# the module's kselftests: the wire topology (vm/wire_topology_test.py)
# and make demo's guest script (demo/demo_test.sh).  Named by file, like
# the selftests; with --module-only, not run.
harness_tests="vm/wire_topology_test.py demo/demo_test.sh"
if [ "$list" = list ]; then
	for h in $harness_tests; do
		t=${h##*/}
		[ $# -eq 0 ] || [[ $only == *" $t "* ]] || continue
		echo "# harness: $t"
		run_test "$here/${h%/*}" "$t"
	done
fi

kunit=/sys/kernel/debug/kunit
if [ -d "$kunit" ] && { [ $# -eq 0 ] || [[ $only == *" kunit "* ]]; }; then
	for ko in "$(dirname "$ZCOPY_MODULE")"/*_kunit.ko; do
		[ -f "$ko" ] || continue
		name=$(basename "$ko" .ko)
		echo "# kunit: $name"
		began=$SECONDS
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
		echo "$((SECONDS - began)) $name" >>"$out/times"
	done
fi

# Line coverage, on a kernel that profiles the module (gcov): its
# counters, in debugfs under the path the objects were built at, are
# copied out for the host's tools/testing/coverage.sh.
gcov=/sys/kernel/debug/gcov$(dirname "${ZCOPY_MODULE:-/none}")
if [ -d "$gcov" ]; then
	mkdir -p "$out/gcov"
	cp "$gcov"/*.gcda "$out/gcov/" || rc=1
fi
exit "$rc"
