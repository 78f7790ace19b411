#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# `make stress`: the stress test (every source kind, both IP versions)
# and the fault-injection test, each run SECONDS long, on the debug
# kernel (KASAN, lockdep, kmemleak), as make check runs them briefly.
set -euo pipefail

secs=${1:-60}
project=$(cd "$(dirname "$0")/../.." && pwd)
cd "$project"
out=$project/build/stress
rm -rf "$out"
tree=$(tools/testing/vm/debug-kernel.sh)
tools/scripts/build-module.sh debug "$tree" >/dev/null
tools/testing/vm/run --kernel debug --timeout $((secs * 8 + 900)) --out "$out" -- \
	env STRESS_SECONDS="$secs" FAULT_SECONDS="$secs" \
	ZCOPY_TEST_LIMIT=$((secs * 6 + 600)) \
	tools/testing/run-tests.sh "$out/tap" stress_test.sh fault_test.sh
echo "stress: the guest's verdict: $(cat "$out/verdict")"
[ "$(cat "$out/verdict")" = clean ]
