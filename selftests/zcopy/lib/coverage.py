#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""coverage.py MODULE.ko PCS OUT: the module's KCOV call sites a fuzzer reached.

PCS holds the PCs KCOV recorded (hex, one per line), absolute addresses of
the module loaded now.  A site is the return address of a call to
__sanitizer_cov_trace_pc, as objdump shows its target: <function+offset>.
/proc/kallsyms turns each PC into the same form.  Prints

    SITES_REACHED SITES FUNCTIONS_REACHED FUNCTIONS

and writes OUT: one line per function with sites missed, the most first,
"missed/sites function", for the next seeds to aim at.
"""
import bisect
import collections
import re
import subprocess
import sys


def module_sites(ko):
    """Every KCOV site of @ko, as (function, offset)."""
    dump = subprocess.run(["objdump", "-dr", ko], capture_output=True,
                          text=True, check=True).stdout
    sites = set()
    call = None
    for line in dump.splitlines():
        m = re.search(r"\scall\s+[0-9a-f]+ <([^+>]+)(\+0x[0-9a-f]+)?>",
                      line)
        if m:
            # No offset: the call ends its function; the return
            # address is the start of the next.
            call = (m.group(1), int(m.group(2) or "0", 16))
        elif "__sanitizer_cov_trace_pc" in line and call:
            sites.add(call)
            call = None
    return sites


def loaded_functions():
    """The module's text symbols now, sorted by address."""
    syms = []
    with open("/proc/kallsyms") as f:
        for line in f:
            addr, kind, name, *mod = line.split()
            if mod == ["[zcopy]"] and kind in "tT":
                syms.append((int(addr, 16), name))
    return sorted(syms)


def main():
    ko, pcs_path, out = sys.argv[1:4]
    sites = module_sites(ko)
    syms = loaded_functions()
    starts = [a for a, _ in syms]
    reached = set()
    try:
        with open(pcs_path) as f:
            pcs = [int(line, 16) for line in f if line.strip()]
    except OSError:
        pcs = []
    for pc in pcs:
        i = bisect.bisect_right(starts, pc) - 1
        if i >= 0:
            reached.add((syms[i][1], pc - syms[i][0]))
    hit = sites & reached
    per_func = collections.Counter(name for name, _ in sites)
    hit_func = collections.Counter(name for name, _ in hit)
    with open(out, "w") as f:
        for name, n in sorted(per_func.items(),
                              key=lambda kv: hit_func[kv[0]] - kv[1]):
            if hit_func[name] < n:
                f.write(f"{n - hit_func[name]}/{n} {name}\n")
    print(len(hit), len(sites), len(hit_func), len(per_func))


if __name__ == "__main__":
    main()
