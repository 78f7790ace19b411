#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# scan-log.sh KERNEL_LOG: print every report in a guest kernel log that
# must fail a run, and exit 1 if there is one.
set -uo pipefail

log=$1
[ -f "$log" ] || { echo "scan-log: no kernel log at $log" >&2; exit 1; }

# Each pattern is the first line of a class of report: warnings and BUG()s
# (lockdep's, KASAN's and the lockup detectors' all start with these),
# UBSAN, oopses, panics, hung tasks, kmemleak, and any stack dump at all.
patterns=(
	'WARNING:'
	'BUG:'
	'UBSAN:'
	'Oops'
	'Kernel panic'
	'general protection fault'
	'kernel BUG at'
	'INFO: task .* blocked for more than'
	'INFO: rcu_.* detected stalls'
	'possible circular locking'
	'inconsistent lock state'
	'unreferenced object 0x'
	'suspected memory leak'
	'Call Trace:'
)

args=()
for p in "${patterns[@]}"; do
	args+=(-e "$p")
done
hits=$(grep -n -a "${args[@]}" "$log")
[ -z "$hits" ] && exit 0
printf '%s\n' "$hits" | head -n 40 | sed 's/^/kernel-log: /'
exit 1
