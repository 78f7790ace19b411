#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# packages_test.sh OUTDIR: `make check`'s packaging step, as TAP on stdout.
# Builds the packages (tools/packaging/build-deb.sh) into OUTDIR/deb, runs
# lintian on them, unpacks both into a scratch root OUTDIR/root and does
# there what zcopy-dkms's postinst has DKMS do: add the source, build and
# install the module for every kernel whose Debian headers are installed
# (one case each), and remove it again; then runs the packaged zcctl.
# DKMS works on the scratch root's trees only (--sourcetree, --dkmstree,
# --installtree, --no-depmod, its signing key there too): the host's
# /var/lib/dkms and /lib/modules are left alone, and a case checks that.
# Logs in OUTDIR.
set -uo pipefail

project=$(cd "$(dirname "$0")/../.." && pwd)
out=$(realpath -m "${1:?usage: packages_test.sh OUTDIR}")
root=$out/root
version=$(sed -n 's/^#define ZCOPY_VERSION "\(.*\)"$/\1/p' "$project/kmod/version.h")
start=$(date +%s)
rm -rf "$out"
mkdir -p "$out"

ksrc=${KSRC:-$("$project/tools/scripts/ksrc.sh")}
# The kernel's TAP helpers.
# shellcheck source=/dev/null
. "$ksrc/tools/testing/selftests/kselftest/ktap_helpers.sh"
ok() { ktap_test_pass "$*"; }
fail() { ktap_test_fail "$*"; }
check() {
	local name=$1
	shift
	if "$@"; then ok "$name"; else fail "$name"; fi
}
info() { sed 's/^/# /'; }

# The kernels to build for: each /lib/modules/*/build that a Debian
# linux-headers package installed.
kernels=()
for b in /lib/modules/*/build; do
	[ -e "$b" ] || continue
	dpkg-query -S "$(readlink -f "$b")" 2>/dev/null | grep -q '^linux-headers-' &&
		kernels+=("$(basename "$(dirname "$b")")")
done

host_state() {
	{ ls -la /var/lib/dkms 2>/dev/null; find /lib/modules -path '*zcopy*'; } | sort
}
before=$(host_state)

ktap_print_header
ktap_set_plan $((9 + ${#kernels[@]}))

# 1: the packages.
changes=$("$project/tools/packaging/build-deb.sh" "$out/deb" 2>"$out/build-deb.err")
dkms_deb=$out/deb/zcopy-dkms_${version}_all.deb
tools_deb=$(find "$out/deb" -maxdepth 1 -name "zcopy-tools_${version}_*.deb" | head -n1)
nginx_deb=$(find "$out/deb" -maxdepth 1 -name "libnginx-mod-http-zcopy_${version}_*.deb" | head -n1)
if [ -n "$changes" ] && [ -f "$dkms_deb" ] && [ -n "$tools_deb" ] && [ -n "$nginx_deb" ]; then
	ok "make deb: zcopy-dkms, zcopy-tools and libnginx-mod-http-zcopy $version"
else
	info <"$out/build-deb.err"
	fail "make deb: zcopy-dkms, zcopy-tools and libnginx-mod-http-zcopy $version"
fi

# 2: lintian, on the source package and both binaries (via .changes).
lintian_clean() {
	[ -n "$changes" ] || return 1
	lintian --fail-on error,warning "$changes" >"$out/lintian.log" 2>&1
	local rc=$?
	info <"$out/lintian.log"
	return $rc
}
check "lintian: no errors or warnings" lintian_clean

mkdir -p "$root"
dpkg -x "$dkms_deb" "$root" 2>/dev/null
dpkg -x "$tools_deb" "$root" 2>/dev/null
[ -n "$nginx_deb" ] && dpkg -x "$nginx_deb" "$root" 2>/dev/null
src=$root/usr/src/zcopy-$version

# 3: what dh_dkms gave the package: dkms.conf of this version, and a
# postinst that hands the module to DKMS's common postinst.
dkms_package_ok() {
	local ctl=$out/dkms-control
	dpkg-deb -e "$dkms_deb" "$ctl" || return 1
	grep -qx "PACKAGE_VERSION=\"$version\"" "$src/dkms.conf" &&
		grep -qx 'AUTOINSTALL="yes"' "$src/dkms.conf" &&
		grep -q '/usr/lib/dkms/common.postinst' "$ctl/postinst" &&
		grep -qx 'DKMS_NAME=zcopy' "$ctl/postinst" &&
		grep -qx "DKMS_VERSION=$version" "$ctl/postinst"
}
check "zcopy-dkms: dkms.conf $version, AUTOINSTALL, postinst runs DKMS" dkms_package_ok

# DKMS on the scratch root alone; its signing key generated there too.
export mok_signing_key=$root/var/lib/dkms/mok.key
export mok_certificate=$root/var/lib/dkms/mok.pub
mkdir -p "$root/var/lib/dkms" "$root/lib/modules"
dkms=(dkms --sourcetree "$root/usr/src" --dkmstree "$root/var/lib/dkms"
	--installtree "$root/lib/modules" --no-depmod)
"${dkms[@]}" add -m zcopy -v "$version" >"$out/dkms.log" 2>&1 ||
	{ info <"$out/dkms.log"; }

# 4..: one case per kernel: built against its headers and installed
# where DKMS puts it, with this version and that kernel's vermagic.
for k in "${kernels[@]}"; do
	dkms_kernel_ok() {
		local ko
		# As on a system with that kernel installed.
		mkdir -p "$root/lib/modules/$k"
		if ! "${dkms[@]}" install -m zcopy -v "$version" -k "$k" >"$out/dkms-$k.log" 2>&1; then
			tail -n 5 "$out/dkms-$k.log" | info
			grep -m 5 'error:' "$root/var/lib/dkms/zcopy/$version/build/make.log" 2>/dev/null | info
			return 1
		fi
		ko=$(find "$root/lib/modules/$k/updates/dkms" -name "zcopy.ko*" 2>/dev/null | head -n1)
		[ -n "$ko" ] || { echo "no zcopy.ko in updates/dkms" | info; return 1; }
		[ "$(modinfo -F version "$ko")" = "$version" ] &&
			modinfo -F vermagic "$ko" | grep -q "^$k "
	}
	check "dkms: zcopy $version built and installed for $k" dkms_kernel_ok
done

# What prerm has DKMS do: remove it from every kernel.
dkms_remove_ok() {
	"${dkms[@]}" remove -m zcopy -v "$version" --all >>"$out/dkms.log" 2>&1 &&
		[ -z "$(find "$root/lib/modules" -name 'zcopy.ko*')" ] &&
		[ ! -e "$root/var/lib/dkms/zcopy/$version" ]
}
check "dkms remove --all: no module left" dkms_remove_ok

# zcopy-tools: zcctl runs from the scratch root; its documentation is there.
zcctl_ok() {
	local v
	v=$("$root/usr/sbin/zcctl" version 2>&1)
	echo "$v" | info
	echo "$v" | grep -Eq "^zcctl: +$version$"
}
check "zcopy-tools: zcctl version says $version" zcctl_ok
tools_files_ok() {
	[ -f "$root/usr/share/man/man8/zcctl.8.gz" ] &&
		[ -f "$root/usr/share/bash-completion/completions/zcctl" ] &&
		bash -n "$root/usr/share/bash-completion/completions/zcctl"
}
check "zcopy-tools: man page and bash completion" tools_files_ok

# libnginx-mod-http-zcopy as Debian's nginx modules are: the module where
# nginx looks, its load snippet in modules-available, the dependency on
# the packaged nginx's ABI, the postinst that enables it; and the
# packaged nginx loads it and takes its directives (nginx -t).
nginx_module_ok() {
	local ctl=$out/nginx-control conf=$out/nginx-t.conf
	[ -n "$nginx_deb" ] || return 1
	dpkg-deb -e "$nginx_deb" "$ctl" || return 1
	grep -qx 'load_module modules/ngx_http_zcopy_module.so;' \
		"$root/usr/share/nginx/modules-available/mod-http-zcopy.conf" &&
		dpkg-deb -f "$nginx_deb" Depends | grep -q 'nginx-abi-' &&
		grep -q 'mod-http-zcopy.conf' "$ctl/postinst" || return 1
	cat >"$conf" <<-CONF
		load_module $root/usr/lib/nginx/modules/ngx_http_zcopy_module.so;
		pid $out/nginx-t.pid;
		events { }
		http { zcopy on; zcopy_release on; zcopy_dontcache 16m;
		       client_body_temp_path $out/nginx-t; proxy_temp_path $out/nginx-t;
		       fastcgi_temp_path $out/nginx-t; uwsgi_temp_path $out/nginx-t;
		       scgi_temp_path $out/nginx-t; server { listen 127.0.0.1:1; } }
	CONF
	nginx -t -c "$conf" -e "$out/nginx-t.log" 2>&1 | info
	[ "${PIPESTATUS[0]}" = 0 ]
}
check "libnginx-mod-http-zcopy: installed as Debian's nginx modules are, nginx -t loads it" \
	nginx_module_ok

# libzcopy as an application gets it: pkg-config, <zcopy.h>, the shared
# library, its man pages; the program runs (fallback: no module here).
libzcopy_ok() {
	local multiarch pcdir libs prog=$out/libzcopy-probe
	multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
	pcdir=$root/usr/lib/$multiarch/pkgconfig
	[ -f "$root/usr/share/man/man3/zcopy_submit.3.gz" ] || return 1
	[ -f "$root/usr/share/man/man7/libzcopy.7.gz" ] || return 1
	printf '%s\n' '#include <stdio.h>' '#include <zcopy.h>' \
		'int main(void) { struct zcopy *z; struct zcopy_features f;' \
		'  if (zcopy_open(&z, ZCOPY_OPEN_FORCE_FALLBACK) || zcopy_probe(z, &f)) return 1;' \
		'  printf("fallback %u\n", f.flags & ZCOPY_FEATURES_FALLBACK);' \
		'  zcopy_close(z); return 0; }' >"$prog.c"
	# shellcheck disable=SC2046 # pkg-config prints several words
	gcc -Wall -Werror -o "$prog" "$prog.c" $(PKG_CONFIG_SYSROOT_DIR=$root \
		PKG_CONFIG_LIBDIR=$pcdir pkg-config --cflags --libs zcopy) 2>&1 | info
	[ -x "$prog" ] || return 1
	[ "$(LD_LIBRARY_PATH=$root/usr/lib/$multiarch "$prog")" = "fallback 1" ] || return 1
	# The packaged shared library, not one from the build tree.
	libs=$(LD_LIBRARY_PATH=$root/usr/lib/$multiarch ldd "$prog")
	[[ $libs == *"$root/usr/lib/$multiarch/libzcopy.so.1"* ]]
}
check "zcopy-tools: libzcopy builds and runs an application (pkg-config)" libzcopy_ok

# The host's DKMS and module trees are as they were.
check "host's /var/lib/dkms and /lib/modules untouched" \
	test "$(host_state)" = "$before"

echo "# packages: $(($(date +%s) - start)) s"
ktap_finished
