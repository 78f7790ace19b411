# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Time limits for the shell tests, scaled for the machine: each is given
# in seconds on the machine the tests' times were set on, and multiplied
# by ZCOPY_TIME_SCALE (make check's calibration; at least 1).  The tests'
# TAP comes from the kernel's kselftest/ktap_helpers.sh, beside them.

# zc_seconds N: N seconds, scaled.
zc_seconds() {
	awk -v s="$1" -v k="${ZCOPY_TIME_SCALE:-1}" \
		'BEGIN { if (k < 1) k = 1; printf "%d", s * k + 0.5 }'
}

# zc_wait_until SECONDS CMD...: run CMD every 0.1 s until it succeeds, for
# at most SECONDS (whole, scaled).  Returns 0 once CMD succeeds, 1 if it
# never did.
zc_wait_until() {
	local end
	end=$(zc_seconds "$(($1 * 10))")
	shift
	until "$@"; do
		end=$((end - 1))
		[ "$end" -gt 0 ] || return 1
		sleep 0.1
	done
}
