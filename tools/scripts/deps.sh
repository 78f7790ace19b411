#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Install every Debian package that zcopy's build, tests and benchmarks
# need.  Idempotent: when everything is present it only asks dpkg, which
# takes well under a second, and never touches the network.
set -euo pipefail

PKGS=(
	build-essential make gcc pkg-config cpio kmod
	flex bison bc libelf-dev libssl-dev dwarves rsync
	sparse xz-utils zstd python3 python3-yaml python3-jsonschema
	qemu-system-x86 busybox-static iproute2 util-linux mount e2fsprogs
	libnl-3-dev libnl-genl-3-dev bash-completion libfuse3-dev fuse3
	liburing-dev gnuplot-nox wrk nginx-light nginx-dev curl nftables groff-base openssl
	linux-source-6.12 xfsprogs
	dkms dh-dkms debhelper dpkg-dev lintian
)

SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo

missing() {
	local p
	for p in "$@"; do
		dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null |
			grep -q '^install ok installed$' || echo "$p"
	done
}

updated=
apt_update_once() {
	[ -n "$updated" ] && return
	$SUDO apt-get update -qq
	updated=1
}

# The kernels the guests boot (tools/testing/vm/kernels.sh): Debian 12's default
# 6.1 and its newer 6.12.  For each, the newest flavour for which apt
# offers both the unsigned image and the matching headers: the module is
# built against exactly what boots.  Debian names them 6.1.0-N-amd64 and
# 6.12.N+debV-amd64.
SERIES=(6.1 6.12)

pick_kernel() {
	apt-cache search --names-only "^linux-image-${1//./\\.}\\.[0-9].*-amd64-unsigned\$" |
		awk '{print $1}' | grep -Ev -- '-(rt|cloud)-amd64' |
		sed -e 's/^linux-image-//' -e 's/-unsigned$//' | sort -rV |
		while read -r v; do
			if apt-cache show "linux-headers-$v" >/dev/null 2>&1; then
				echo "$v"
				break
			fi
		done
}

# Already installed?  Then do not ask apt at all.
installed_kver() {
	{ dpkg-query -W -f='${Package} ${Status}\n' "linux-image-$1.[0-9]*-amd64-unsigned" 2>/dev/null || true; } |
		awk '/install ok installed/ {print $1}' |
		sed -e 's/^linux-image-//' -e 's/-unsigned$//' | sort -rV |
		while read -r v; do
			if [ -z "$(missing "linux-headers-$v")" ]; then
				echo "$v"
				break
			fi
		done
}

for series in "${SERIES[@]}"; do
	kver=$(installed_kver "$series")
	if [ -z "$kver" ]; then
		apt_update_once
		kver=$(pick_kernel "$series")
		[ -n "$kver" ] || { echo "deps: apt offers no linux-image-$series.*-amd64-unsigned with matching headers" >&2; exit 1; }
		PKGS+=("linux-image-$kver-unsigned" "linux-headers-$kver")
	fi
done

todo=$(missing "${PKGS[@]}")
if [ -n "$todo" ]; then
	apt_update_once
	# shellcheck disable=SC2086
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $todo
fi

# Unpack the kernel tree once: checkpatch, kselftest headers, the debug
# kernel and YNL all come from it.
"$(dirname "$0")/ksrc.sh" >/dev/null
