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

"$here/lib/fuzz" -t "${FUZZ_SECONDS:-$(zc_seconds 30)}"
rc=$?
zc_config_restore || rc=1
[ $rc = 4 ] || ktap_print_msg "the module has $(zc_kcov_sites) KCOV call sites"
exit $rc
