#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# build-deb.sh [OUTDIR]: `make deb`.  Assembles a source tree in
# OUTDIR/zcopy-VERSION (default OUTDIR: build/deb) from the project's files
# and tools/packaging/debian/ as its debian/, then builds the source
# package and the binary packages zcopy-dkms and zcopy-tools into OUTDIR
# with dpkg-buildpackage, unsigned.  Prints the path of the .changes file.
set -euo pipefail

project=$(cd "$(dirname "$0")/../.." && pwd)
outdir=$(realpath -m "${1:-$project/build/deb}")
version=$(sed -n 's/^#define ZCOPY_VERSION "\(.*\)"$/\1/p' "$project/kmod/version.h")
changelog=$(dpkg-parsechangelog -l "$project/tools/packaging/debian/changelog" -S Version)
if [ "$version" != "$changelog" ]; then
	echo "build-deb: kmod/version.h says $version, tools/packaging/debian/changelog $changelog: add a changelog entry (dch -c tools/packaging/debian/changelog -v $version)" >&2
	exit 1
fi

src=$outdir/zcopy-$version
rm -rf "$outdir"
mkdir -p "$src"
# What git tracks or would track: no build products, no build/.
(cd "$project" && git ls-files -z --cached --others --exclude-standard |
	xargs -0 cp --parents -t "$src")
cp -r "$project/tools/packaging/debian" "$src/debian"

(cd "$src" && dpkg-buildpackage --no-sign -sa >"$outdir/build.log" 2>&1) || {
	tail -n 30 "$outdir/build.log" >&2
	echo "build-deb: dpkg-buildpackage failed; log: $outdir/build.log" >&2
	exit 1
}
ls "$outdir"/zcopy_"$version"_*.changes
