#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# calibrate.sh [OUTDIR]: how much slower this machine runs test guests
# than the reference machine that make check's time limits were set on.
# Boots Debian's 6.12 kernel without the module twice, running a fixed
# stretch of work (the same in every run), and prints the ratio of the
# faster boot to the reference's time: the time scale, never below 1.
# Every limit of make check, the guests' and their tests', is a number of
# seconds on the reference machine times this scale (ZCOPY_TIME_SCALE),
# so a machine twice as slow gets twice the time, and a hang is still
# caught as soon as it outlasts what a healthy run could need.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$(mktemp -d)}
mkdir -p "$out"

# Seconds a boot below took on the reference machine (2 cores, QEMU TCG;
# the machine the README's timings come from).
REFERENCE=7.2

# The accelerator is probed once, outside the timed boots.
ZCOPY_ACCEL=${ZCOPY_ACCEL:-$("$here/kvm-probe.sh")}
export ZCOPY_ACCEL

# Work for the guest's CPUs under emulation, like the tests': processes,
# system calls, a pipe and a hash.
work='for i in 1 2 3 4; do head -c 8M /dev/zero | sha256sum >/dev/null; done'

best=
for i in 1 2; do
	begin=$(date +%s.%N)
	if ! ZCOPY_TIME_SCALE= "$here/run" --no-module --out "$out/$i" -- \
		sh -c "$work" >"$out/$i.log" 2>&1; then
		echo "calibrate: calibration boot $i failed; see $out/$i.log" >&2
		continue
	fi
	took=$(echo "$(date +%s.%N) - $begin" | bc)
	if [ -z "$best" ] || [ "$(echo "$took < $best" | bc)" = 1 ]; then
		best=$took
	fi
done
# No boot worked: the guests will fail and say why; the scale is moot.
if [ -z "$best" ]; then
	echo "calibrate: no calibration boot worked; time scale 1" >&2
	echo 1
	exit 0
fi
awk -v t="$best" -v r="$REFERENCE" 'BEGIN {
	k = t / r
	if (k < 1) k = 1
	printf "calibration: a guest boot with fixed work took %.1f s (%.1f s on the reference machine): time scale %.2f\n", t, r, k > "/dev/stderr"
	printf "%.2f\n", k
}'
