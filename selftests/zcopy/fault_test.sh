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
. "$here/ktap.sh"
zcctl=${ZCOPY_PROJECT:-$here/../..}/tools/zcctl/zcctl
dbg=/sys/kernel/debug
secs=${FAULT_SECONDS:-$(ktap_seconds 6)}
times=1000000

echo "TAP version 13"
if [ ! -d $dbg/failslab ] || [ ! -e $dbg/failslab/require-start ]; then
	echo "1..0 # SKIP no failslab with a stack trace filter (the debug kernel has one)"
	exit 4
fi
read -r _ size _ _ _ base _ < <(grep '^zcopy ' /proc/modules)
if [ -z "$base" ]; then
	echo "1..0 # SKIP the module is not loaded"
	exit 4
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
		echo "# $1: the stack trace filter did not take $start..$end"
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

# A counter from the module's debugfs file.
gauge() {
	awk -v k="$1" '$1 == k { print $2 }' $dbg/zcopy/stats
}

gauge_is_zero() {
	[ "$(gauge "$1")" = 0 ]
}

n=0 rc=0 total=0
echo "1..2"
for kind in failslab fail_page_alloc; do
	n=$((n + 1))
	if ! inject $kind 20; then
		echo "not ok $n $kind"
		rc=1
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
	[ "$injected" -gt 0 ] || { echo "# $kind: no fault was injected"; ok=0; }
	for g in contexts sockets transfers pages; do
		ktap_wait 30 gauge_is_zero $g || { echo "# $kind: $g is $(gauge $g) after the run"; ok=0; }
	done
	echo "# $kind: $injected allocations failed, $dumps netlink dumps"
	if [ $ok = 1 ]; then
		echo "ok $n $kind"
	else
		echo "not ok $n $kind"
		rc=1
	fi
done
echo "# faults injected in all: $total"
rm -f /tmp/zcopy-fault.log
exit $rc
