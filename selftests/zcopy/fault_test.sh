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
# shellcheck source=selftests/zcopy/lib/module.sh
. "$here/lib/module.sh"
secs=${FAULT_SECONDS:-$(zc_seconds 6)}

ktap_print_header
zc_fault_require

total=0
ktap_set_plan 2
for kind in failslab fail_page_alloc; do
	if ! zc_fault_arm $kind 20; then
		ktap_test_fail $kind
		continue
	fi
	"$here/lib/stress" -f -t "$secs" -c 0 -x 4 -d /tmp >/tmp/zcopy-fault.log 2>&1 &
	pid=$!
	dumps=$(zc_dump_while $pid)
	wait $pid
	status=$?
	injected=$(zc_fault_disarm $kind)
	total=$((total + injected))
	grep '^#' /tmp/zcopy-fault.log
	ok=1
	[ "$status" = 0 ] || ok=0
	[ "$injected" -gt 0 ] || { ktap_print_msg "$kind: no fault was injected"; ok=0; }
	zc_gauges_zero $kind || ok=0
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
