#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Count test cases in TAP/KTAP files and print the totals.

    tap-summary.py FILE...

A case is a leaf result: a result line with no deeper-indented results
of its own (a KUnit suite, or a parameterised test, is the sum of its
cases, not a case itself).  A file whose top-level plan promises more
results than it holds counts the missing ones as failed (the test died),
and a file with no results at all counts as one failure.  Prints one
line per file, then "N passed, N failed, N skipped"; exits 1 if any
failed.
"""

import re
import sys

RESULT = re.compile(r"^(\s*)(not ok|ok)\b([^#]*)(#.*)?$")
PLAN = re.compile(r"^1\.\.(\d+)")


def count(path):
    passed = failed = skipped = 0
    top_results = 0
    plan = None
    indents = []  # of every result line so far
    with open(path, errors="replace") as f:
        lines = f.read().splitlines()
    for line in lines:
        m = PLAN.match(line)
        if m and plan is None:
            plan = int(m.group(1))
            continue
        m = RESULT.match(line)
        if not m:
            continue
        indent = len(m.group(1).expandtabs(8))
        if indent == 0:
            top_results += 1
        # A parent: results deeper than it came since the last result at
        # its own depth or shallower.
        parent = False
        for prev in reversed(indents):
            if prev <= indent:
                break
            parent = True
        indents.append(indent)
        if parent:
            continue
        directive = (m.group(4) or "").upper()
        if "SKIP" in directive:
            skipped += 1
        elif m.group(2) == "ok":
            passed += 1
        else:
            failed += 1
    note = ""
    if plan is not None and top_results < plan:
        failed += plan - top_results
        note = f" ({plan - top_results} planned results missing)"
    if passed + failed + skipped == 0 and plan != 0:
        failed += 1
        note = " (no results)"
    return passed, failed, skipped, note


def main(paths):
    total = [0, 0, 0]
    for path in paths:
        p, f, s, note = count(path)
        print(f"  {path}: {p} passed, {f} failed, {s} skipped{note}")
        total = [total[0] + p, total[1] + f, total[2] + s]
    print(f"{total[0]} passed, {total[1]} failed, {total[2]} skipped")
    return 1 if total[1] else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
