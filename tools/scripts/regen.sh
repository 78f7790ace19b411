#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# regen.sh [--check]: make what is generated from the netlink family's
# YNL spec (Documentation/netlink/specs/zcopy.yaml) with the kernel's own
# generator, tools/net/ynl/ynl-gen-c.py of the 6.12 source (ksrc.sh):
#   include/uapi/linux/zcopy_netlink.h  the family's uapi enums
#   kmod/generated/genl.[ch]            its policies, op table and family
#   tools/zcctl/generated/stats.h       the counters zcctl shows, by name
#   Documentation/netlink/zcopy.rst     the family's reference page
# With --check, change nothing and fail if a committed file is not what
# the spec gives (make style runs that).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
project=$(cd "$here/../.." && pwd)
check=0
[ "${1:-}" = --check ] && check=1

ksrc=$("$here/ksrc.sh")
gen=$ksrc/tools/net/ynl/ynl-gen-c.py
[ -f "$gen" ] || { echo "regen: no YNL generator at $gen" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# The generator checks the spec against the schema two directories up,
# and names it by its path below the directory holding MAINTAINERS: give
# it the layout of a kernel tree.
spec=$tmp/Documentation/netlink/specs/zcopy.yaml
mkdir -p "$tmp/Documentation/netlink/specs" "$tmp/out"
: >"$tmp/MAINTAINERS"
cp "$ksrc/Documentation/netlink/genetlink.yaml" "$tmp/Documentation/netlink/"
cp "$project/Documentation/netlink/specs/zcopy.yaml" "$spec"

# ynlgen OUT ARGS...: a second or two each; without MAINTAINERS above the
# spec the generator loops forever, hence the timeout.
ynlgen() {
	local out=$1
	shift
	timeout 300 python3 "$gen" --spec "$spec" -o "$tmp/out/$out" "$@" >&2
}
ynlgen zcopy_netlink.h --mode uapi --header
ynlgen genl.h --mode kernel --header
ynlgen genl.c --mode kernel --source
timeout 300 python3 "$ksrc/tools/net/ynl/ynl-gen-rst.py" -i "$spec" \
	-o "$tmp/out/zcopy.rst" >&2

# The 6.12 generator leaves out a multicast group's flags, and the events
# group carries other users' data: put them in, from the spec, and fail
# loudly if the generator's output no longer has the expected shape.
python3 - "$spec" "$tmp/out/genl.c" <<'PY'
import sys
import yaml

spec_path, src_path = sys.argv[1:]
spec = yaml.safe_load(open(spec_path))
caps = {"admin-perm": "GENL_MCAST_CAP_NET_ADMIN"}
src = open(src_path).read()
family = spec["name"].upper().replace("-", "_")
for grp in spec.get("mcast-groups", {}).get("list", []):
    flags = grp.get("flags", [])
    if not flags:
        continue
    unknown = [f for f in flags if f not in caps]
    if unknown:
        sys.exit(f"regen: no genl flag for mcast-group flags {unknown}")
    ident = f"{family}_NLGRP_{grp['name'].upper().replace('-', '_')}"
    plain = f'[{ident}] = {{ "{grp["name"]}", }},'
    if src.count(plain) != 1:
        sys.exit(f"regen: the generator's {ident} entry is not {plain!r}")
    value = " | ".join(caps[f] for f in flags)
    src = src.replace(plain,
                      f'[{ident}] = {{ "{grp["name"]}", .flags = {value}, }},')
open(src_path, "w").write(src)
PY

# zcctl names every counter of stats-get as the spec does ('_' for '-'):
# an X-macro list, so a new counter needs no edit there.
python3 - "$spec" "$tmp/out/stats.h" <<'PY'
import sys
import yaml

spec_path, out_path = sys.argv[1:]
spec = yaml.safe_load(open(spec_path))
ops = {op["name"]: op for op in spec["operations"]["list"]}
stats = {a["name"]: a for s in spec["attribute-sets"] if s["name"] == "stats"
         for a in s["attributes"]}
reply = ops["stats-get"]["do"]["reply"]["attributes"]
# The module answers with every attribute of the set but the padding.
if sorted(reply) != sorted(n for n, a in stats.items() if a["type"] != "pad"):
    sys.exit("regen: stats-get must reply with every counter of the set")
lines = []
for name in reply:
    if stats[name]["type"] != "u64":
        sys.exit(f"regen: counter {name} is not a u64")
    ident = "ZCOPY_A_STATS_" + name.upper().replace("-", "_")
    lines.append(f'\tSTAT({ident}, "{name.replace("-", "_")}")')
with open(out_path, "w") as out:
    out.write("""/* SPDX-License-Identifier: GPL-2.0 */
/* Do not edit: tools/scripts/regen.sh writes it from */
/*\tDocumentation/netlink/specs/zcopy.yaml */

#ifndef ZCCTL_GENERATED_STATS_H
#define ZCCTL_GENERATED_STATS_H

/* STAT(attribute, key) for each counter of stats-get, in the spec's order. */
#define ZCOPY_STATS(STAT) \\
""")
    out.write(" \\\n".join(lines) + "\n\n#endif\n")
PY

status=0
for pair in zcopy_netlink.h:include/uapi/linux/zcopy_netlink.h \
	    genl.h:kmod/generated/genl.h genl.c:kmod/generated/genl.c \
	    stats.h:tools/zcctl/generated/stats.h \
	    zcopy.rst:Documentation/netlink/zcopy.rst; do
	made=$tmp/out/${pair%%:*}
	out=${pair#*:}
	if [ "$check" = 1 ]; then
		if ! cmp -s "$made" "$project/$out"; then
			diff -u "$project/$out" "$made" >&2 || true
			echo "regen: $out is not what the spec gives (run: make regen)" >&2
			status=1
		else
			echo "regen: $out matches the spec"
		fi
	else
		mkdir -p "$(dirname "$project/$out")"
		cp "$made" "$project/$out"
		echo "regen: wrote $out"
	fi
done
exit $status
