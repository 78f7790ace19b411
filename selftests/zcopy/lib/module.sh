# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# What the shell tests do around the module: make a scratch filesystem,
# read the module's gauges and save and restore its configuration
# (zcctl, over netlink), and inject faults scoped to it (fault_test.sh,
# soak.sh): failslab and fail_page_alloc fail allocations whose call
# stack passes through zcopy's code (the stack trace filter over the
# module's address range), in every task.  Fault injection needs the
# debug kernel.

zc_fault_dbg=/sys/kernel/debug
zc_fault_times=1000000
zcctl=${ZCOPY_PROJECT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)}/tools/zcctl/zcctl

# zc_scratch_setup: a disk-backed filesystem, for the tests where the
# page cache matters (tmpfs pages never leave it): ext4 on a loop device
# over a tmpfs file, at $ZCOPY_SCRATCH.
zc_scratch_setup() {
	local img=/tmp/zcopy-scratch.img dir=/tmp/zcopy-scratch dev
	modprobe -q loop 2>/dev/null
	modprobe -q ext4 2>/dev/null
	truncate -s 512M "$img" && mkfs.ext4 -q -F "$img" &&
		dev=$(losetup -f --show "$img") && mkdir -p "$dir" &&
		mount -t ext4 "$dev" "$dir" || return 1
	export ZCOPY_SCRATCH=$dir
}

# zc_fault_ready: 0 if this kernel can filter faults by stack (1 if not)
# and the module is loaded (2 if not); sets zc_fault_start and
# zc_fault_end (kept in hex: kernel addresses do not fit bash's signed
# arithmetic).
zc_fault_ready() {
	local size base
	[ -e $zc_fault_dbg/failslab/require-start ] || return 1
	read -r _ size _ _ _ base _ < <(grep '^zcopy ' /proc/modules)
	[ -n "${base:-}" ] || return 2
	zc_fault_start=$(printf '%#018x' "$base")
	zc_fault_end=$(printf '%#018x' $((base + size)))
}

# zc_fault_require: as a test's first step, skip it all unless
# zc_fault_ready.
zc_fault_require() {
	zc_fault_ready
	case $? in
	1)	ktap_skip_all "no failslab with a stack trace filter (the debug kernel has one)"
		exit "$KSFT_SKIP" ;;
	2)	ktap_skip_all "the module is not loaded"
		exit "$KSFT_SKIP" ;;
	esac
}

# zc_text_range SYMBOL: the start and end of a kernel function, in hex
# (the start of the symbol after it); nothing if there is none.
zc_text_range() {
	awk -v f="$1" '$3 == f && ($2 == "T" || $2 == "t") {
		s = $1; getline; print "0x" s, "0x" $1; exit }' /proc/kallsyms
}

# zc_fault_arm KIND PROBABILITY: arm KIND's filter on the module's
# addresses.  The filter is checked before anything is armed:
# unfiltered, every allocation in the guest could fail.  What
# kcov_remote_start() allocates for the module's work functions (a
# coverage buffer, whose vmalloc() prints a stack when it fails) is
# test machinery, not the module's: the reject range leaves it alone.
zc_fault_arm() {
	local f=$zc_fault_dbg/$1 rs re
	read -r rs re < <(zc_text_range kcov_remote_start) || true
	echo 0 >"$f/verbose"
	echo "$zc_fault_start" >"$f/require-start"
	echo "$zc_fault_end" >"$f/require-end"
	echo "${rs:-0}" >"$f/reject-start"
	echo "${re:-0}" >"$f/reject-end"
	echo 32 >"$f/stacktrace-depth"
	if [ "$(cat "$f/require-start")" != "$zc_fault_start" ] ||
		[ "$(cat "$f/require-end")" != "$zc_fault_end" ]; then
		ktap_print_msg "$1: the stack trace filter did not take $zc_fault_start..$zc_fault_end"
		return 1
	fi
	echo N >"$f/task-filter"
	echo N >"$f/ignore-gfp-wait"
	[ -e "$f/ignore-gfp-highmem" ] && echo N >"$f/ignore-gfp-highmem"
	[ -e "$f/min-order" ] && echo 0 >"$f/min-order"
	echo 1 >"$f/interval"
	echo "$zc_fault_times" >"$f/times"
	echo "$2" >"$f/probability"
}

# zc_fault_disarm KIND: stop failing; prints how many it failed.
zc_fault_disarm() {
	local f=$zc_fault_dbg/$1
	echo 0 >"$f/probability"
	echo $((zc_fault_times - $(cat "$f/times")))
}

# zc_dump_while PID...: dump the transfer and context listings (zcctl,
# over netlink) over and over while any PID lives; prints how many.
zc_dump_while() {
	local n=0 p live
	while :; do
		live=0
		for p in "$@"; do
			kill -0 "$p" 2>/dev/null && live=1
		done
		[ $live = 1 ] || break
		"$zcctl" -j transfers >/dev/null 2>&1
		"$zcctl" -j contexts >/dev/null 2>&1
		n=$((n + 2))
	done
	echo $n
}

# zc_gauge NAME: a counter of the module's, as zcctl reads it.
zc_gauge() {
	"$zcctl" -j stats | python3 -c \
		'import json, sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"
}

zc_gauge_is_zero() {
	[ "$(zc_gauge "$1")" = 0 ]
}

# zc_gauges_zero WHO: every gauge back to zero within 30 s (scaled), or
# says which is not and returns 1.
zc_gauges_zero() {
	local g ok=0
	for g in contexts sockets transfers pages; do
		zc_wait_until 30 zc_gauge_is_zero $g ||
			{ ktap_print_msg "$1: $g is $(zc_gauge $g) after the run"; ok=1; }
	done
	return $ok
}

# zc_config_save: the configuration, for zc_config_restore (a test that
# lets a fuzzer change it puts it back).
zc_config_save() {
	zc_config_saved=$("$zcctl" -j config 2>/dev/null)
}

zc_config_restore() {
	[ -n "${zc_config_saved:-}" ] || return 0
	# shellcheck disable=SC2046 # KEY VALUE pairs, split on purpose
	"$zcctl" config set $(python3 -c '
import json, sys
for k, v in json.loads(sys.argv[1]).items():
    print(k.replace("_", "-"), v)' "$zc_config_saved")
}

