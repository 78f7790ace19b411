#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# `make soak`: fuzzing, stress and fault injection together on the debug
# kernel (KASAN, lockdep, kmemleak) for MINUTES (default 60), in rounds
# (selftests/zcopy/lib/soak.sh), then the figures: fuzzer iterations,
# ioctls, netlink messages, transfers completed, faults injected, module
# PCs reached, and the guest's verdict (no splat, no leak, the module
# unloaded).  Not part of make check: make check runs each piece briefly.
set -euo pipefail

mins=${1:-60}
secs=$((mins * 60))
project=$(cd "$(dirname "$0")/../.." && pwd)
cd "$project"
out=$project/build/soak
rm -rf "$out"
mkdir -p "$out"
tree=$(tools/testing/vm/debug-kernel.sh)
tools/scripts/build-module.sh debug "$tree" >/dev/null
# The guest's limit: the soak, each round's drain and checks, and boot.
rc=0
tools/testing/vm/run --kernel debug --wire --timeout $((secs * 2 + 900)) \
	--out "$out" -- \
	env SOAK_LOGS="$out/logs" SOAK_ROUND="${SOAK_ROUND:-300}" \
	selftests/zcopy/lib/soak.sh "$secs" || rc=$?
echo "soak: the guest's verdict: $(cat "$out/verdict" 2>/dev/null)"
grep -q '^not ok' "$out/output.log" && rc=1
[ "$(cat "$out/verdict" 2>/dev/null)" = clean ] || rc=1
exit $rc
