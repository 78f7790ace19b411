#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# build.sh [OUTDIR]: `make nginx-module`.  Builds ngx_http_zcopy_module.so
# against the packaged nginx, as Debian builds its libnginx-mod-*
# packages: nginx-dev's source tree (/usr/share/nginx/src), configured with
# the packaged nginx's own flags (its conf_flags, which include
# --with-compat) and this directory as a dynamic module.  libzcopy is
# linked in statically, so build it first (make libzcopy).  Prints the
# path of the .so (default OUTDIR: build/nginx).  CFLAGS and LDFLAGS, if
# set (dpkg-buildflags), are added to nginx's own, as Debian's modules do.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
project=$(cd "$here/../.." && pwd)
out=$(realpath -m "${1:-$project/build/nginx}")
src=${NGINX_SRC:-/usr/share/nginx/src}

if [ ! -f "$src/conf_flags" ]; then
	echo "nginx-module: no $src/conf_flags: install nginx-dev (make deps)" >&2
	exit 1
fi
if [ ! -f "$project/tools/lib/zcopy/libzcopy.a" ]; then
	echo "nginx-module: build libzcopy first (make libzcopy)" >&2
	exit 1
fi

# conf_flags sets NGX_CONF_FLAGS, the packaged nginx's ./configure flags.
# shellcheck source=/dev/null
. "$src/conf_flags"

tree=$out/tree
rm -rf "$tree"
mkdir -p "$tree"
cp -r "$src/." "$tree"
cd "$tree"
./configure "${NGX_CONF_FLAGS[@]}" \
	--with-cc-opt="${CFLAGS:-} -Wextra -Wno-unused-parameter" \
	--with-ld-opt="${LDFLAGS:-}" --add-dynamic-module="$here" >"$out/configure.log" 2>&1 || {
	tail -n 20 "$out/configure.log" >&2
	exit 1
}
make -f objs/Makefile modules >"$out/make.log" 2>&1 || {
	grep -E 'error|warning' "$out/make.log" >&2 || tail -n 20 "$out/make.log" >&2
	exit 1
}
# A new file, not the old one rewritten: a running nginx maps the old.
cp objs/ngx_http_zcopy_module.so "$out/.ngx_http_zcopy_module.so.new"
mv "$out/.ngx_http_zcopy_module.so.new" "$out/ngx_http_zcopy_module.so"
echo "$out/ngx_http_zcopy_module.so"
