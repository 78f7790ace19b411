#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make demo` still works: its guest script (guest.sh, beside this file),
# run in this boot instead of one of its own, sends its file with every
# method, and its own checks pass: the receiver's sha256 matches the
# file's, each zcopy transfer moves bytes_zerocopy by the file's size and
# bytes_copied by nothing, and the ZCOPY_F_RELEASE completion reports no
# copy.
set -u
here=$(cd "$(dirname "$0")" && pwd)
# The kernel's TAP helpers (kselftest/ktap_helpers.sh), which the
# selftests' Makefile copies beside them.
# shellcheck source=/dev/null
. "$here/../../../selftests/zcopy/ktap_helpers.sh"

ktap_print_header
if [ ! -e /run/netns/wire0 ]; then
	ktap_skip_all "no wire topology (tools/testing/vm/run --wire)"
	exit "$KSFT_SKIP"
fi

ktap_set_plan 2
out=$("$here/guest.sh" 2>&1)
rc=$?
sed 's/^/# /' <<<"$out"
ktap_test_result "the demo's guest script exits 0 (hashes, zcopy counters, completion)" \
	test "$rc" = 0
rows=$(grep -cE '^(read\+write|sendfile|zcopy|zcopy\+release) +[0-9]+ +ok ' <<<"$out")
ktap_test_result "its table shows all four methods, each with a matching hash" \
	test "$rows" = 4
ktap_finished
