# SPDX-License-Identifier: GPL-2.0
#
# TAP for the Python selftests: collect cases with @case, then
# sys.exit(run_cases()).  A case passes unless it raises; the exception's
# text is printed as a diagnostic before its "not ok" line.

import os
import sys

_cases = []


def case(fn):
    _cases.append(fn)
    return fn


def expect(cond, what):
    if not cond:
        raise AssertionError(what)


def scaled(seconds):
    """A time limit for this machine: SECONDS on the machine the limits
    were set on, times how much slower this one measured (ZCOPY_TIME_SCALE,
    from make check's calibration; at least 1)."""
    return seconds * max(1.0, float(os.environ.get("ZCOPY_TIME_SCALE") or 1))


def skip_all(why):
    """Report the whole file skipped; returns the kselftest skip status."""
    print("TAP version 13")
    print(f"1..0 # SKIP {why}")
    return 4


def run_cases():
    print("TAP version 13")
    print(f"1..{len(_cases)}")
    failed = 0
    for i, fn in enumerate(_cases, 1):
        try:
            fn()
            print(f"ok {i} {fn.__name__}")
        except Exception as e:      # any failure is this case's
            failed += 1
            print(f"# {fn.__name__}: {e}")
            print(f"not ok {i} {fn.__name__}")
        sys.stdout.flush()
    return 1 if failed else 0
