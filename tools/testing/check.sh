#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# `make check`: build everything, run the static checks, then the whole
# test suite in QEMU on three kernels (Debian 12's 6.1 and 6.12, and the
# 6.12 debug kernel), and end with one line:
#
#   N passed, N failed, N skipped
#
# Exits non-zero if anything failed or could not run.  Each guest boot is
# itself a case: it passes only if the guest completed, the module
# unloaded afterwards, and the kernel log is clean.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
project=$(cd "$here/../.." && pwd)
cd "$project"
out=$project/build/check
rm -rf "$out"
mkdir -p "$out/tap"

# Each step's time goes to $out/phases, printed at the end with the
# slowest tests of each guest: where make check spends its time.
phase='' phase_start=''
step() {
	phase_end
	phase=$* phase_start=$(date +%s)
	printf '\n== %s\n' "$*"
}
phase_end() {
	[ -n "$phase" ] || return 0
	printf '%6d s  %s\n' "$(($(date +%s) - phase_start))" "$phase" >>"$out/phases"
	phase=
}

# boot NAME BUDGET [PREFIX...]: run the suite in a guest booted on kernel
# NAME, stopped if it takes more than BUDGET seconds on the reference
# machine (scaled), through PREFIX if given (a command that runs
# something first, then its arguments).
boot() {
	local name=$1 ref=$2 budget vmrc=0 only=()
	budget=$(tools/testing/vm/seconds "$ref")
	shift 2
	# The debug kernel is there for the module: the harness's and the
	# tools' own tests run on the distribution kernels.
	if [ "$name" = debug ]; then only=(--module-only); fi
	step "tests on the $name kernel"
	echo "check: the $name guest's budget: $budget s ($ref s on the reference machine)"
	# The runner's own lines (why a guest failed) are kept for the end.
	tools/testing/vm/run --kernel "$name" --wire --timeout "$budget" \
		--out "$out/$name" -- "$@" \
		tools/testing/run-tests.sh "${only[@]}" "$out/$name/tap" \
		2> >(tee "$out/$name.vm-stderr" >&2) || vmrc=$?
	for f in "$out/$name/tap"/*.tap; do
		[ -f "$f" ] && cp "$f" "$out/tap/$name-$(basename "$f")"
	done
	# The guest's own verdict (tools/testing/vm/run): a crash, hang, unload
	# failure or kernel report fails here even when every case passed.
	if [ "$(cat "$out/$name/verdict" 2>/dev/null)" = clean ]; then
		echo "ok 1 $name: guest completed, module unloaded, kernel log clean"
	else
		echo "not ok 1 $name: guest completed, module unloaded, kernel log clean"
	fi | { echo "1..1"; cat; } >"$out/tap/$name-vm.tap"
	[ "$vmrc" = 0 ] || echo "check: the $name guest run failed (exit $vmrc)" >&2
}

start=$(date +%s)
# The debug kernel builds (the first time; later runs reuse it) in the
# background at the lowest priority, from now until its guest is due: it
# takes only the CPU time the steps and guests before it leave idle.
# (A session of its own, so that a run that stops early stops it too.)
setsid nice -n 19 tools/testing/vm/debug-kernel.sh >"$out/debug-tree" \
	2>"$out/debug-kernel.log" &
debug_build=$!
trap 'kill -TERM -- -"$debug_build" 2>/dev/null' EXIT

step "build"
make -s all
make -s nginx-module >/dev/null
tools/scripts/build-module.sh distro >/dev/null
tools/scripts/build-module.sh distro-6.1 >/dev/null

# libzcopy's own tests need no module: its sendfile fallback, on the host.
step "libzcopy (fallback mode, host)"
make -s -C tools/lib/zcopy check >"$out/tap/libzcopy.tap" || true
cat "$out/tap/libzcopy.tap"

step "static checks"
make -s style
make -s sparse >/dev/null

# `make install` into a staging tree puts every file where it belongs.
step "install"
rm -rf "$out/install"
make -s install DESTDIR="$out/install" >"$out/install.log" 2>&1 || true
{
	files=("lib/modules/*/extra/zcopy.ko*" usr/local/sbin/zcctl
		usr/local/share/man/man8/zcctl.8
		usr/local/share/bash-completion/completions/zcctl
		usr/local/lib/libzcopy.so.1 usr/local/lib/libzcopy.a
		usr/local/lib/pkgconfig/zcopy.pc usr/local/include/zcopy.h
		usr/local/include/linux/zcopy.h
		usr/local/include/linux/zcopy_netlink.h
		usr/local/share/man/man3/zcopy_submit.3
		usr/local/share/man/man7/libzcopy.7)
	echo "1..${#files[@]}"
	n=0
	for f in "${files[@]}"; do
		n=$((n + 1))
		# shellcheck disable=SC2086 # the module's path is a pattern
		if ls "$out/install/"$f >/dev/null 2>&1; then
			echo "ok $n install: $f"
		else
			echo "not ok $n install: $f"
		fi
	done
} | tee "$out/tap/install.tap"

# Packages: make deb, lintian, and the packages unpacked into a scratch
# root where DKMS builds the module for each installed kernel's headers.
step "packages"
tools/testing/packages_test.sh "$out/packages" | tee "$out/tap/packages.tap" || true

# kselftest: selftests/zcopy in a minimal kernel tree, built and installed
# by the kernel's own selftests Makefile; the distro guest runs a few fast
# tests with the installed run_kselftest.sh before the suite (kselftest.tap).
step "kselftest install"
tools/testing/kselftest-tree.sh "$out/ksft-tree" >/dev/null
make -C "$out/ksft-tree/tools/testing/selftests" TARGETS=zcopy install \
	INSTALL_PATH="$out/kselftest" >"$out/kselftest.log" 2>&1 ||
	echo "check: kselftest install failed; see $out/kselftest.log" >&2
kselftest=(tools/testing/run-kselftest.sh "$out/kselftest" "$out/distro/tap"
	zcopy:device_test zcopy:context_test --)

# The accelerator, probed once for every guest of the run; then every time
# limit from here on is scaled by the machine's measured speed.
step "calibration"
ZCOPY_ACCEL=${ZCOPY_ACCEL:-$(tools/testing/vm/kvm-probe.sh)}
export ZCOPY_ACCEL
echo "check: guests run with $ZCOPY_ACCEL"
ZCOPY_TIME_SCALE=$(tools/testing/vm/calibrate.sh "$out/calibration")
export ZCOPY_TIME_SCALE
echo "check: limits are times $ZCOPY_TIME_SCALE; a guest that prints nothing for $(tools/testing/vm/seconds 300) s is stopped"

step "runner self-test"
tools/testing/vm/runner_test.sh "$out/runner" | tee "$out/tap/runner.tap" || true

boot distro-6.1 900
boot distro 900 "${kselftest[@]}"

step "debug kernel"
if ! wait "$debug_build"; then
	cat "$out/debug-kernel.log" >&2
	echo "check: the debug kernel did not build" >&2
	exit 1
fi
trap - EXIT
cat "$out/debug-kernel.log"
tools/scripts/build-module.sh debug "$(cat "$out/debug-tree")" >/dev/null
[ -f build/debug/kmod/zcopy_kunit.ko ] || { echo "check: KUnit module not built for the debug kernel" >&2; exit 1; }

boot debug 2400

step "line coverage of kmod/ (debug kernel, gcov)"
tools/testing/coverage.sh "$out/debug/tap/gcov" build/debug/kmod ||
	echo "check: no coverage counters came back from the debug guest" >&2

phase_end
printf '\n== time per step\n'
cat "$out/phases"
for name in distro-6.1 distro debug; do
	[ -f "$out/$name/tap/times" ] || continue
	printf '\n== the ten slowest tests on the %s kernel (seconds)\n' "$name"
	sort -rn "$out/$name/tap/times" | head -n 10
done

# Why a guest failed, where the last lines of the run show it: the
# runner's verdict, the test it was in, and the end of its kernel log.
why() {
	local name=$1 dir=$out/$1
	printf '\n== the %s guest failed\n' "$name"
	grep -h '^vm:' "$out/$name.vm-stderr" 2>/dev/null | tail -n 3
	grep -ah '^# \(selftests\|harness\|kunit\): ' "$dir/output.log" \
		2>/dev/null | tail -n 1 | sed 's/^# /last test begun: /'
	echo "the end of its kernel log:"
	tail -n 12 "$dir/kernel.log" 2>/dev/null | cut -c 1-160
}

step "summary ($(($(date +%s) - start)) s)"
rc=0
tools/testing/tap-summary.py "$out/tap"/*.tap >"$out/summary" || rc=$?
cat "$out/summary"
if [ "$rc" != 0 ]; then
	printf '\n== files with failures\n'
	grep -v ' 0 failed' "$out/summary" | sed '$d' || true
	for name in distro-6.1 distro debug; do
		[ "$(cat "$out/$name/verdict" 2>/dev/null)" = clean ] ||
			why "$name"
	done
	tail -n 1 "$out/summary"
fi
exit "$rc"
