#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# runner_test.sh OUTDIR: prove that the VM runner fails when it must.  Each
# case boots the distribution kernel with something wrong and expects
# run to report it: a failing command's status, a kernel oops, a kernel
# warning in the log, a guest that stops printing, and one that keeps
# printing past its hard limit.  Prints TAP, with the kernel's helpers.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
out=${1:?usage: runner_test.sh OUTDIR}
n=0
ksrc=${KSRC:-$("$here/../../scripts/ksrc.sh")}
# shellcheck source=/dev/null
. "$ksrc/tools/testing/selftests/kselftest/ktap_helpers.sh"

# expect NAME WANT_STATUS GREP_IN_STDERR RUN_ARGS...
expect() {
	local name=$1 want=$2 pattern=$3 rc=0
	shift 3
	n=$((n + 1))
	"$here/run" --no-module --out "$out/$n" "$@" >"$out/$n.out" 2>&1 || rc=$?
	if [ "$rc" = "$want" ] && grep -q -- "$pattern" "$out/$n.out"; then
		ktap_test_pass "runner reports $name"
	else
		ktap_print_msg "exit $rc (want $want); last lines:"
		tail -n 5 "$out/$n.out" | sed 's/^/#   /'
		ktap_test_fail "runner reports $name"
	fi
}

# Limits long enough for a boot on this machine (ZCOPY_TIME_SCALE).
quiet=$("$here/seconds" 20)
limit=$quiet

mkdir -p "$out"
ktap_print_header
ktap_set_plan 5
expect "a command's exit status" 7 "exit 7" -- sh -c 'exit 7'
expect "a kernel crash" 1 "reported no exit status" -- sh -c 'echo c >/proc/sysrq-trigger'
expect "a warning in the kernel log" 1 "kernel-log: .*WARNING:" -- \
	sh -c 'echo "<4>WARNING: CPU: 0 PID: 1 injected by the runner selftest" >/dev/kmsg'
expect "a guest that prints nothing" 1 "printed nothing for ${quiet}s" \
	--quiet "$quiet" -- sleep 1000
expect "a guest past its hard limit" 1 "timed out after ${limit}s" \
	--timeout "$limit" -- sh -c 'while :; do echo still here; sleep 1; done'
ktap_finished
