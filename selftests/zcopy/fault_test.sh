#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Fault injection scoped to the module: failslab and fail_page_alloc fail
# allocations whose call stack passes through zcopy's code (the stack
# trace filter, over the module's address range), in every task: ioctls,
# the socket workers, page release work, DONTCACHE, netlink dumps.
# Meanwhile stress -f runs chaos workers and zcctl dumps the listings.
# Every failure must come back as a clean errno or a completion's res:
# each accepted transfer completes exactly once (stress checks it), the
# gauges return to zero, and the run's own checks (module unload,
# kmemleak, a clean kernel log) find nothing.  Needs the debug kernel.
here=$(cd "$(dirname "$0")" && pwd)
# The kernel's TAP helpers (kselftest/ktap_helpers.sh, copied here by the
# Makefile), and the time limits scaled for the machine.
# shellcheck source=/dev/null
. "$here/ktap_helpers.sh"
# shellcheck source=selftests/zcopy/lib/scale.sh
. "$here/lib/scale.sh"
zcctl=${ZCOPY_PROJECT:-$here/../..}/tools/zcctl/zcctl
dbg=/sys/kernel/debug
secs=${FAULT_SECONDS:-$(zc_seconds 6)}
times=1000000

ktap_print_header
if [ ! -d $dbg/failslab ] || [ ! -e $dbg/failslab/require-start ]; then
	ktap_skip_all "no failslab with a stack trace filter (the debug kernel has one)"
	exit "$KSFT_SKIP"
fi
read -r _ size _ _ _ base _ < <(grep '^zcopy ' /proc/modules)
if [ -z "$base" ]; then
	ktap_skip_all "the module is not loaded"
	exit "$KSFT_SKIP"
fi
# Kernel addresses do not fit bash's signed arithmetic: keep them hex.
start=$(printf '%#018x' "$base")
end=$(printf '%#018x' $((base + size)))

# inject KIND PROBABILITY: arm KIND's filter on the module's addresses.
# The filter is checked before anything is armed: unfiltered, every
# allocation in the guest could fail.
inject() {
	local f=$dbg/$1
	echo 0 >"$f/verbose"
	echo "$start" >"$f/require-start"
	echo "$end" >"$f/require-end"
	echo 0 >"$f/reject-start"
	echo 0 >"$f/reject-end"
	echo 32 >"$f/stacktrace-depth"
	if [ "$(cat "$f/require-start")" != "$start" ] ||
		[ "$(cat "$f/require-end")" != "$end" ]; then
		ktap_print_msg "$1: the stack trace filter did not take $start..$end"
		return 1
	fi
	echo N >"$f/task-filter"
	echo N >"$f/ignore-gfp-wait"
	[ -e "$f/ignore-gfp-highmem" ] && echo N >"$f/ignore-gfp-highmem"
	[ -e "$f/min-order" ] && echo 0 >"$f/min-order"
	echo 1 >"$f/interval"
	echo "$times" >"$f/times"
	echo "$2" >"$f/probability"
}

disarm() {
	echo 0 >"$dbg/$1/probability"
}

# A counter of the module's, as zcctl reads it over netlink.
gauge() {
	"$zcctl" -j stats | python3 -c \
		'import json, sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"
}

gauge_is_zero() {
	[ "$(gauge "$1")" = 0 ]
}

total=0
ktap_set_plan 2
for kind in failslab fail_page_alloc; do
	if ! inject $kind 20; then
		ktap_test_fail $kind
		continue
	fi
	"$here/lib/stress" -f -t "$secs" -c 0 -x 4 -d /tmp >/tmp/zcopy-fault.log 2>&1 &
	pid=$!
	dumps=0
	while kill -0 $pid 2>/dev/null; do
		"$zcctl" -j transfers >/dev/null 2>&1
		"$zcctl" -j contexts >/dev/null 2>&1
		dumps=$((dumps + 2))
	done
	wait $pid
	status=$?
	left=$(cat "$dbg/$kind/times")
	disarm $kind
	injected=$((times - left))
	total=$((total + injected))
	grep '^#' /tmp/zcopy-fault.log
	ok=1
	[ "$status" = 0 ] || ok=0
	[ "$injected" -gt 0 ] || { ktap_print_msg "$kind: no fault was injected"; ok=0; }
	for g in contexts sockets transfers pages; do
		zc_wait_until 30 gauge_is_zero $g ||
			{ ktap_print_msg "$kind: $g is $(gauge $g) after the run"; ok=0; }
	done
	ktap_print_msg "$kind: $injected allocations failed, $dumps netlink dumps"
	if [ $ok = 1 ]; then
		ktap_test_pass $kind
	else
		ktap_test_fail $kind
	fi
done
ktap_print_msg "faults injected in all: $total"
rm -f /tmp/zcopy-fault.log
ktap_finished
