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
# shellcheck source=selftests/zcopy/lib/module.sh
. "$here/lib/module.sh"
zc_config_save

pcs=$(mktemp)
"$here/lib/fuzz" -t "${FUZZ_SECONDS:-$(zc_seconds 30)}" -p "$pcs"
rc=$?
zc_config_restore || rc=1
# As make soak counts them (lib/coverage.py): "HIT SITES FHIT FUNCS".
if [ $rc != 4 ] && read -r hit sites _ _ < <(python3 "$here/lib/coverage.py" \
	"${ZCOPY_MODULE:-}" "$pcs" /dev/null 2>/dev/null); then
	ktap_print_msg "module KCOV sites reached: $hit of $sites"
fi
rm -f "$pcs"
exit $rc
