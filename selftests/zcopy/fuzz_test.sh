#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# fuzz (KCOV-guided, every ioctl and netlink command) for FUZZ_SECONDS,
# on a kernel whose KCOV instruments the module (the debug kernel).  The
# fuzzer may change the configuration (it runs as root): it is put back.
here=$(cd "$(dirname "$0")" && pwd)
# The kernel's TAP helpers (kselftest/ktap_helpers.sh, copied here by the
# Makefile), and the time limits scaled for the machine.
# shellcheck source=/dev/null
. "$here/ktap_helpers.sh"
# shellcheck source=selftests/zcopy/lib/scale.sh
. "$here/lib/scale.sh"
zcctl=${ZCOPY_PROJECT:-$here/../..}/tools/zcctl/zcctl
saved=$("$zcctl" -j config 2>/dev/null)

"$here/lib/fuzz" -t "${FUZZ_SECONDS:-$(zc_seconds 30)}"
rc=$?
if [ -n "$saved" ]; then
	# shellcheck disable=SC2046 # KEY VALUE pairs, split on purpose
	"$zcctl" config set $(python3 -c '
import json, sys
for k, v in json.loads(sys.argv[1]).items():
    print(k.replace("_", "-"), v)' "$saved") || rc=1
fi
if [ $rc != 4 ] && [ -n "${ZCOPY_MODULE:-}" ] && command -v objdump >/dev/null; then
	ktap_print_msg "the module has $(objdump -dr "$ZCOPY_MODULE" |
		grep -c '__sanitizer_cov_trace_pc') KCOV call sites"
fi
exit $rc
