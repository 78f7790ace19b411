#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# coverage.sh GCDA_DIR OBJ_DIR: line coverage of each kmod/*.c, from the
# counters a gcov-profiled module left in GCDA_DIR (tools/testing/run-tests.sh
# copies them out of the guest) and the notes the compiler left in
# OBJ_DIR (the module's build directory).  Prints one line per file, the
# total, and then the lines no test reached, file by file.  Exits
# non-zero only if there is nothing to report.
set -euo pipefail

gcda=${1:?usage: coverage.sh GCDA_DIR OBJ_DIR}
obj=${2:?usage: coverage.sh GCDA_DIR OBJ_DIR}
ls "$gcda"/*.gcda >/dev/null 2>&1 || { echo "coverage: no counters in $gcda" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$obj"/*.c "$obj"/*.h "$obj"/*.gcno "$work"/
cp "$gcda"/*.gcda "$work"/
cd "$work"
for c in *.c; do
	[ -f "${c%.c}.gcno" ] || continue
	gcov -o . "$c" 2>/dev/null |
		awk -v want="$c" '
			/^File / { f = $2; gsub(/\x27/, "", f); n = split(f, p, "/"); f = p[n] }
			/^Lines executed:/ && f == want {
				split($2, a, ":"); pct = a[2]; sub(/%/, "", pct)
				printf "%s %s %s\n", f, pct, $4
				f = ""		# the total gcov adds after it
			}'
done | awk '
	{ hit = $2 * $3 / 100; tot += $3; done += hit
	  printf "  %-12s %6.1f%% of %4d lines\n", $1, $2, $3 }
	END { if (tot) printf "  %-12s %6.1f%% of %4d lines\n", "total", 100 * done / tot, tot }'

echo "  not reached:"
for g in *.c.gcov; do
	[ -e "$g" ] || continue
	# "    #####:  119:..." is a line that never ran; print them as ranges.
	awk -F: -v f="${g%.gcov}" '
		$1 ~ /#####/ { n = $2 + 0
			if (n == last + 1) { last = n; next }
			if (first) out = out sprintf(" %s", first == last ? first : first "-" last)
			first = last = n }
		END { if (first) out = out sprintf(" %s", first == last ? first : first "-" last)
		      if (out) printf "    %-12s%s\n", f, out }' "$g"
done
