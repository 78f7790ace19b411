#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# soak.sh SECONDS: the guest side of make soak, on the debug kernel.
# Rounds of SOAK_ROUND seconds (default 300) until SECONDS have passed;
# in each, all at once:
#
#  - the fuzzer, going on from the inputs the last round kept;
#  - stress: odd rounds under fault injection (failslab and
#    fail_page_alloc in turn, stress -f with chaos workers only), even
#    rounds without (clean streams, whose bytes are checked, small
#    streams, which make most of the transfers, and chaos workers, over
#    the wire topology when there is one);
#  - zcctl dumping the listings, over and over.
#
# Each round passes if the fuzzer and stress pass (every accepted
# transfer completed exactly once, nothing left behind) and every gauge
# is back to zero.  The end adds it up: iterations, ioctls, netlink
# messages, transfers, faults injected and module PCs reached.  The
# host (tools/testing/soak.sh) adds the kernel's verdict.
here=$(cd "$(dirname "$0")" && pwd)
zc=$(dirname "$here")
# shellcheck source=/dev/null
. "$zc/ktap_helpers.sh"
# shellcheck source=selftests/zcopy/lib/scale.sh
. "$here/scale.sh"
# shellcheck source=selftests/zcopy/lib/module.sh
. "$here/module.sh"

secs=${1:?usage: soak.sh SECONDS}
round=${SOAK_ROUND:-300}
logs=${SOAK_LOGS:-/tmp/zcopy-soak}
corpus=$logs/corpus
rm -rf "$logs"
mkdir -p "$logs"

ktap_print_header
zc_fault_require
rounds=$(((secs + round - 1) / round))
ktap_set_plan "$rounds"

[ -n "${ZCOPY_SCRATCH:-}" ] || zc_scratch_setup ||
	ktap_print_msg "no scratch filesystem: files in /tmp"
scratch=${ZCOPY_SCRATCH:-/tmp}
wire=()
[ -e /run/netns/wire0 ] && wire=(-n "wire0,wire1,198.18.0.2")
zc_config_save
iterations=0 ioctls=0 netlink=0 transfers=0 faults=0 pcs=0
kinds=(failslab fail_page_alloc)
for ((r = 1; r <= rounds; r++)); do
	len=$((secs - (r - 1) * round))
	[ "$len" -le "$round" ] || len=$round
	kind=
	if ((r % 2)); then
		kind=${kinds[(r / 2) % 2]}
		zc_fault_arm "$kind" 20 || { ktap_test_fail "round $r"; continue; }
		"$here/stress" -f -t "$len" -c 0 -x 4 -d /tmp \
			>"$logs/stress.$r" 2>&1 &
	else
		"$here/stress" -t "$len" -c 2 -s 2 -x 2 "${wire[@]}" \
			-d "$scratch" >"$logs/stress.$r" 2>&1 &
	fi
	stress=$!
	"$here/fuzz" -t "$len" -s "$r" -d "$scratch" -c "$corpus" -p "$logs/pcs" >"$logs/fuzz.$r" 2>&1 &
	fuzz=$!
	dumps=$(zc_dump_while $stress $fuzz)
	ok=1
	wait $stress || ok=0
	wait $fuzz || ok=0
	injected=0
	[ -z "$kind" ] || injected=$(zc_fault_disarm "$kind")
	zc_gauges_zero "round $r" || ok=0
	grep -h '^#' "$logs/stress.$r" "$logs/fuzz.$r"

	# The fuzzer: "# N iterations in S s, I ioctls, M netlink requests"
	# and "# K inputs kept, P module PCs reached".
	read -r it io nl < <(awk '/ iterations in / { print $2, $7, $9 }' \
		"$logs/fuzz.$r")
	p=$(awk '/ module PCs reached/ { print $5 }' "$logs/fuzz.$r")
	# stress: "# submit calls N, transfers accepted A, completed C ..."
	# and "# cancel N, register N, unregister N, ...".
	read -r sub completed < <(awk '/^# submit calls / {
		gsub(",", ""); print $4, $9 }' "$logs/stress.$r")
	calls=$(awk '/^# cancel / { gsub(",", ""); print $3 + $5 + $7 }' \
		"$logs/stress.$r")
	iterations=$((iterations + ${it:-0}))
	ioctls=$((ioctls + ${io:-0} + ${sub:-0} + ${calls:-0}))
	netlink=$((netlink + ${nl:-0} + dumps))
	transfers=$((transfers + ${completed:-0}))
	faults=$((faults + injected))
	[ -z "$p" ] || pcs=$p
	ktap_print_msg "round $r: ${len} s, ${kind:-no faults}, $injected faults injected, $dumps netlink dumps"
	if [ $ok = 1 ]; then
		ktap_test_pass "round $r"
	else
		ktap_test_fail "round $r"
	fi
done
zc_config_restore

# The KCOV sites reached, overall and by function; the functions with
# sites missed, the most first, go to $logs/missed.
read -r hit sites fhit funcs < <(python3 "$here/coverage.py" "$ZCOPY_MODULE" \
	"$logs/pcs" "$logs/missed" 2>/dev/null || echo 0 0 0 0)
ktap_print_msg "soak: $secs s in $rounds rounds"
ktap_print_msg "soak: fuzzer iterations $iterations, ioctls $ioctls, netlink messages $netlink"
ktap_print_msg "soak: transfers completed in stress $transfers, faults injected $faults"
if [ "$sites" -gt 0 ]; then
	ktap_print_msg "soak: module KCOV sites reached $hit of $sites ($((hit * 100 / sites))%), in $fhit of $funcs functions (missed: $logs/missed)"
else
	ktap_print_msg "soak: module PCs reached $pcs"
fi
ktap_finished
