#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# run-kselftest.sh DIR OUTDIR COLLECTION:TEST... [-- COMMAND...]: the
# guest side of `make check`'s kselftest step.  Runs the named tests with
# the kselftest runner installed in DIR (make -C tools/testing/selftests
# install INSTALL_PATH=DIR), as kernel developers and CI systems do, and
# keeps its TAP in OUTDIR/kselftest.tap; then runs COMMAND, if any, so
# that one guest boot serves both.  Exits non-zero if either failed.
set -u

dir=${1:?usage: run-kselftest.sh DIR OUTDIR COLLECTION:TEST... [-- COMMAND...]}
outdir=${2:?usage: run-kselftest.sh DIR OUTDIR COLLECTION:TEST... [-- COMMAND...]}
shift 2
tests=()
while [ $# -gt 0 ] && [ "$1" != -- ]; do
	tests+=(-t "$1")
	shift
done
[ $# -gt 0 ] && shift
mkdir -p "$outdir"

echo "# kselftest: $dir/run_kselftest.sh ${tests[*]}"
rc=0
if [ -x "$dir/run_kselftest.sh" ]; then
	# Its exit status says only whether it could start: a failed test
	# shows in the TAP alone.
	# kselftest's own per-test limit (settings), scaled for this machine
	# as every limit of make check is.
	limit=$("$(dirname "$0")/vm/seconds" \
		"$(sed -n 's/^timeout=//p' "$dir/zcopy/settings" 2>/dev/null)" 2>/dev/null)
	"$dir/run_kselftest.sh" ${limit:+--override-timeout "$limit"} "${tests[@]}" 2>&1 |
		tee "$outdir/kselftest.tap"
	[ "${PIPESTATUS[0]}" -eq 0 ] || rc=1
	grep -q '^not ok' "$outdir/kselftest.tap" && rc=1
else
	echo "not ok 1 kselftest: no run_kselftest.sh in $dir" | tee "$outdir/kselftest.tap"
	rc=1
fi

if [ $# -gt 0 ]; then
	"$@" || rc=1
fi
exit "$rc"
