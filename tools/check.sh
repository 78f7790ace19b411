#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# `make check`: build everything, run the static checks, then the whole
# test suite in QEMU on both kernels, and end with one line:
#
#   N passed, N failed, N skipped
#
# Exits non-zero if anything failed or could not run.  Each guest boot is
# itself a case: it passes only if the guest completed, the module
# unloaded afterwards, and the kernel log is clean.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
project=$(cd "$here/.." && pwd)
cd "$project"
out=$project/build/check
rm -rf "$out"
mkdir -p "$out/tap"

step() {
	printf '\n== %s\n' "$*"
}

# build_module NAME KDIR: build kmod/ against KDIR in build/NAME/.  A copy
# per kernel, because kbuild writes its objects next to the sources.
build_module() {
	local dest=$project/build/$1
	mkdir -p "$dest"
	rsync -a --delete --exclude='*.o' --exclude='*.ko' --exclude='.*.cmd' \
		"$project/kmod" "$project/include" "$dest/"
	make -s -C "$2" M="$dest/kmod" modules
}

# boot NAME: run the suite in a guest booted on kernel NAME.
boot() {
	local name=$1 vmrc=0
	step "tests on the $name kernel"
	tools/vm/run --kernel "$name" --wire --timeout 1800 --out "$out/$name" \
		-- tools/run-tests.sh "$out/$name/tap" || vmrc=$?
	for f in "$out/$name/tap"/*.tap; do
		[ -f "$f" ] && cp "$f" "$out/tap/$name-$(basename "$f")"
	done
	# The guest's own verdict: a crash, hang, unload failure or kernel
	# report fails here even when every test case above passed.
	if [ -s "$out/$name/status" ] && grep -q '^zcopy-done' "$out/$name/status" &&
	   ! grep -q '^zcopy-unload: failed' "$out/$name/status" &&
	   tools/vm/scan-log.sh "$out/$name/kernel.log" >/dev/null; then
		echo "ok 1 $name: guest completed, module unloaded, kernel log clean"
	else
		echo "not ok 1 $name: guest completed, module unloaded, kernel log clean"
	fi | { echo "1..1"; cat; } >"$out/tap/$name-vm.tap"
	[ "$vmrc" = 0 ] || echo "check: the $name guest run failed (exit $vmrc)" >&2
}

start=$(date +%s)
step "build"
make -s all
build_module distro "$(make -s --no-print-directory print-kdir)"

step "static checks"
make -s style
make -s sparse >/dev/null

step "debug kernel"
debug_tree=$(tools/vm/debug-kernel.sh)
build_module debug "$debug_tree"
[ -f build/debug/kmod/zcopy_kunit.ko ] || { echo "check: KUnit module not built for the debug kernel" >&2; exit 1; }

boot distro
boot debug

step "summary ($(($(date +%s) - start)) s)"
tools/tap-summary.py "$out/tap"/*.tap
