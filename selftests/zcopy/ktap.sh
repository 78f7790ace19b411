# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Minimal TAP output for the shell selftests: ktap_plan N, then one of
# ktap_ok / ktap_fail / ktap_skip per test, then ktap_finish.

KTAP_FAILED=0

ktap_plan() {
	echo "TAP version 13"
	echo "1..$1"
	KTAP_N=0
}

ktap_ok() {
	KTAP_N=$((KTAP_N + 1))
	echo "ok $KTAP_N $1"
}

ktap_fail() {
	KTAP_N=$((KTAP_N + 1))
	KTAP_FAILED=1
	echo "not ok $KTAP_N $1"
}

ktap_skip() {
	KTAP_N=$((KTAP_N + 1))
	echo "ok $KTAP_N $1 # SKIP $2"
}

# ktap_check NAME CMD...: run CMD, report NAME by its status.
ktap_check() {
	local name=$1
	shift
	if "$@"; then ktap_ok "$name"; else ktap_fail "$name"; fi
}

# ktap_seconds N: N seconds on the machine the tests' times were set on,
# scaled for this one (ZCOPY_TIME_SCALE, from make check's calibration).
ktap_seconds() {
	awk -v s="$1" -v k="${ZCOPY_TIME_SCALE:-1}" \
		'BEGIN { if (k < 1) k = 1; printf "%d", s * k + 0.5 }'
}

# ktap_wait SECONDS CMD...: run CMD every 0.1 s until it succeeds, for at
# most SECONDS (whole, scaled).  Returns 0 once CMD succeeds, 1 if it
# never did.
ktap_wait() {
	local end
	end=$(ktap_seconds "$(($1 * 10))")
	shift
	until "$@"; do
		end=$((end - 1))
		[ "$end" -gt 0 ] || return 1
		sleep 0.1
	done
}

ktap_info() {
	echo "# $*"
}

ktap_finish() {
	exit "$KTAP_FAILED"
}
