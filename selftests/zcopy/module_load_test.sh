#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The module loads and unloads cleanly, over and over; /dev/zcopy comes and
# goes with it, with the documented mode; loading prints exactly one line;
# an open context keeps it loaded.
#
# Runs in the test VM with the module already loaded from $ZCOPY_MODULE.
set -u
cd "$(dirname "$0")" || exit 1
# The kernel's TAP helpers (kselftest/ktap_helpers.sh, copied here by the
# Makefile).
# shellcheck source=/dev/null
. ./ktap_helpers.sh

# Enough to show that nothing builds up from one load to the next (a leak
# shows in the first, through kmemleak): each costs seconds on the debug
# kernel.
CYCLES=8

# The module under test: tools/testing/vm/run names it; elsewhere
# (run_kselftest.sh on a machine with the module installed, e.g. by DKMS)
# modprobe's.
module=${ZCOPY_MODULE:-$(modinfo -n zcopy 2>/dev/null)}
if [ -z "$module" ]; then
	ktap_print_header
	ktap_skip_all "no zcopy module: ZCOPY_MODULE unset and none installed"
	exit "$KSFT_SKIP"
fi
version=$(modinfo -F version "$module")

# The kernel log lines that appeared since the mark, minus the kernel's
# own one-time notices about an unsigned out-of-tree module (printed by
# the module loader, not by zcopy) and its one-time notice of a slow
# timer interrupt, which an emulated guest may print at any moment.
log_mark() {
	dmesg | wc -l
}

log_since() {
	dmesg | tail -n +"$(($1 + 1))" | sed 's/^\[[ 0-9.]*\] //' |
		grep -v -e '^zcopy: loading out-of-tree module taints kernel\.$' \
			-e '^zcopy: module verification failed: signature and/or required key missing - tainting kernel$' \
			-e '^hrtimer: interrupt took [0-9]* ns$'
}

device_is_documented() {
	local dev=/dev/zcopy
	[ -c "$dev" ] || { ktap_print_msg "$dev is not a character device"; return 1; }
	[ "$(stat -c %Hr "$dev")" -eq 10 ] ||
		{ ktap_print_msg "major $(stat -c %Hr "$dev"), not misc (10)"; return 1; }
	[ "$(stat -c %a "$dev")" = 666 ] ||
		{ ktap_print_msg "mode $(stat -c %a "$dev"), expected 666"; return 1; }
	[ "$(stat -c %U:%G "$dev")" = root:root ] ||
		{ ktap_print_msg "owner $(stat -c %U:%G "$dev"), expected root:root"; return 1; }
	[ "$(cat /sys/class/misc/zcopy/dev)" = "$(stat -c %Hr:%Lr "$dev")" ] ||
		{ ktap_print_msg "$dev does not match /sys/class/misc/zcopy/dev"; return 1; }
}

# One unload + load; sets $why on failure.
cycle() {
	local mark out

	mark=$(log_mark)
	rmmod zcopy || { why="rmmod failed"; return 1; }
	[ ! -e /dev/zcopy ] || { why="/dev/zcopy still there after unload"; return 1; }
	grep -q '^zcopy ' /proc/modules && { why="still in /proc/modules"; return 1; }
	out=$(log_since "$mark")
	[ -z "$out" ] || { why="unload printed: $out"; return 1; }

	mark=$(log_mark)
	insmod "$module" || { why="insmod failed"; return 1; }
	[ -c /dev/zcopy ] || { why="/dev/zcopy missing after load"; return 1; }
	out=$(log_since "$mark")
	[ "$out" = "zcopy: zcopy $version loaded" ] ||
		{ why="load printed: '$out', expected one version line"; return 1; }
}

# rmmod is refused while a context is open, and works once it is closed.
refused_while_open() {
	local ok=0
	exec 7<>/dev/zcopy || return 1
	if rmmod zcopy 2>/dev/null; then
		ktap_print_msg "rmmod succeeded with a context open"
		insmod "$module"
		ok=1
	fi
	exec 7>&-
	[ "$ok" = 0 ] && grep -q '^zcopy ' /proc/modules
}

ktap_print_header
ktap_set_plan 5

grep -q '^zcopy ' /proc/modules || insmod "$module"
ktap_test_result "device node has the documented mode" device_is_documented

boot_lines=$(dmesg | sed 's/^\[[ 0-9.]*\] //' | grep '^zcopy: ' |
	grep -v -e 'taints kernel\.$' -e 'tainting kernel$')
if [ "$boot_lines" = "zcopy: zcopy $version loaded" ]; then
	ktap_test_pass "first load printed one version line"
else
	ktap_test_fail "first load printed one version line"
fi

why=
for i in $(seq "$CYCLES"); do
	cycle || { why="cycle $i: $why"; break; }
done
if [ -z "$why" ]; then
	ktap_test_pass "$CYCLES unload/load cycles, one version line each"
else
	ktap_print_msg "$why"
	ktap_test_fail "$CYCLES unload/load cycles, one version line each"
	# Leave the module loaded for the tests after this one.
	grep -q '^zcopy ' /proc/modules || insmod "$module"
fi

ktap_test_result "device node has the documented mode after reload" \
	device_is_documented
ktap_test_result "rmmod is refused while a context is open" refused_while_open
ktap_finished
