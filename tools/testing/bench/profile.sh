#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# profile.sh [ZCBENCH-ARGS...]: where one zcbench point spends its CPU.
# Boots the distribution kernel with the wire topology and, for each
# method the arguments name (-m, default sendfile and zcopy), samples
# the whole guest with perf's software clock while zcbench runs that
# point alone, and writes, under build/bench/profile-<date>/, zcbench's
# line and perf's flat profile (by command and symbol) per method, and
# the call chains of the sender's busiest kernel symbol (<method>-chains:
# which lock a spin is on, who calls the copy), and the sender's
# inclusive shares by symbol (<method>-children: which system call, task
# work or softirq its time is under).
# Under emulation only the shares within one profile mean anything.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
project=$(cd "$here/../../.." && pwd)
cd "$project"

if [ "${1:-}" = --guest ]; then
	out=$2
	shift 2
	export PATH=$project/tools/zcbench:$PATH
	cd /tmp
	methods=sendfile,zcopy
	args=()
	while [ $# -gt 0 ]; do
		case "$1" in
		-m) methods=$2; shift 2 ;;
		*) args+=("$1"); shift ;;
		esac
	done
	for m in ${methods//,/ }; do
		perf record -q -a -g -e cpu-clock -F 2000 -o "/tmp/perf-$m.data" \
			-- zcbench "${args[@]}" -m "$m" >"$out/$m.txt" 2>&1
		perf report -i "/tmp/perf-$m.data" --stdio --no-children \
			-g none --sort comm,sym 2>/dev/null |
			grep '%' >"$out/$m-profile.txt"
		top=$(awk '$2 == "zcbench" && $3 == "[k]" { print $4; exit }' \
			"$out/$m-profile.txt")
		[ -z "$top" ] || perf report -i "/tmp/perf-$m.data" --stdio \
			--no-children --comms zcbench --symbols "$top" \
			-g caller,0.5,callee,function,percent 2>/dev/null |
			grep -v '^#' | grep -v '^$' | sed -n '1,150p' >"$out/$m-chains.txt"
		perf report -i "/tmp/perf-$m.data" --stdio --children -g none \
			--comms zcbench --sort sym 2>/dev/null |
			grep '%' | sed -n '1,80p' >"$out/$m-children.txt"
		# Shares of all samples: idle, the module, user space.
		awk -v fmt='busy %.1f%%, of which zcopy_* %.1f%%, user space %.1f%%; idle %.1f%%\n' '
		     { p = $1 + 0 }
		     $2 == "swapper" { idle += p; next }
		     /\[k\] zcopy_/ { mod += p }
		     /\[\.\]/ { user += p }
		     { busy += p }
		     END { printf fmt, busy, mod, user, idle }' \
			"$out/$m-profile.txt" >>"$out/$m.txt"
	done
	exit 0
fi

command -v perf >/dev/null ||
	{ echo "profile.sh: needs perf (apt-get install linux-perf)" >&2; exit 1; }
[ $# -gt 0 ] || set -- -n wire --cache cached -c 256 -s 4K -r 1 -b 32M -t 1
make -s module zcctl >/dev/null
make -s -C tools/zcbench >/dev/null
tools/scripts/build-module.sh distro >/dev/null
out=$project/build/bench/profile-$(date +%Y%m%d-%H%M%S)
mkdir -p "$out"
tools/testing/vm/run --kernel distro --wire --mem 4G --timeout 1200 --quiet 0 \
	--out "$out/vm" -- "$here/profile.sh" --guest "$out" "$@"
for f in "$out"/*.txt; do
	echo "== $(basename "$f")"
	head -30 "$f"
done
echo "results: $out"
