#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Build (or reuse) the debug kernel and print its build directory.
#
# The tree is configured from allnoconfig plus tools/testing/vm/debug.config
# and built out of tree into the cache, in a directory keyed on the kernel
# source version and a hash of the fragment and this script.  An unchanged
# key reuses the previous build; a failed or interrupted build is never
# mistaken for a finished one (the ".done" stamp is written last).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cache=${ZCOPY_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/zcopy}
src=$("$here/../../scripts/ksrc.sh")
ver=$(dpkg-query -W -f='${Version}' linux-source-6.12)
key=$(cat "$here/debug.config" "$0" | sha256sum | cut -c1-16)
out=$cache/debug-kernel/$ver-$key

if [ -f "$out/.done" ]; then
	echo "$out"
	exit 0
fi

log=$cache/debug-kernel/build-$ver-$key.log
mkdir -p "$out"
# One build at a time in a directory (make check builds in the
# background; make stress or a second make check may ask meanwhile):
# wait for the other, then use what it finished.
exec 9>"$out.lock"
flock 9
if [ -f "$out/.done" ]; then
	echo "$out"
	exit 0
fi
echo "debug-kernel: building $ver ($key) into $out; log: $log" >&2
start=$(date +%s)
{
	make -C "$src" O="$out" allnoconfig
	"$src/scripts/kconfig/merge_config.sh" -m -O "$out" "$out/.config" "$here/debug.config"
	make -C "$src" O="$out" olddefconfig
} >"$log" 2>&1

# A fragment line that Kconfig silently dropped (unmet dependency, renamed
# symbol) would leave a checker off without anyone noticing: refuse.
bad=0
while IFS= read -r line; do
	case "$line" in
	CONFIG_*=*)
		grep -qxF -- "$line" "$out/.config" || { echo "debug-kernel: not honoured: $line" >&2; bad=1; }
		;;
	"# CONFIG_"*" is not set")
		sym=${line#\# }
		sym=${sym%% *}
		if grep -q "^$sym=" "$out/.config"; then
			echo "debug-kernel: not honoured: $line" >&2
			bad=1
		fi
		;;
	esac
done <"$here/debug.config"
[ "$bad" -eq 0 ] || exit 1

if ! make -C "$src" O="$out" -j"$(nproc)" bzImage modules >>"$log" 2>&1; then
	tail -n 30 "$log" >&2
	echo "debug-kernel: build failed, full log: $log" >&2
	exit 1
fi
touch "$out/.done"
echo "debug-kernel: built in $(($(date +%s) - start)) s" >&2
echo "$out"
