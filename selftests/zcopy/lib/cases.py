# SPDX-License-Identifier: GPL-2.0
#
# The cases of a Python test, reported with the kernel's kselftest/ksft.py
# (beside the tests): collect them with @case, then run_cases(), which
# exits with kselftest's status; or skip the whole file with
# sys.exit(skip_all(why)).  A case passes unless it raises; the
# exception's text is printed as a diagnostic before its "not ok" line,
# or, for Skip (it cannot run here), in its "ok ... # SKIP" line.

import sys

import ksft

_cases = []


def case(fn):
    _cases.append(fn)
    return fn


class Skip(Exception):
    """Raised by a case that cannot run here: reported skipped."""


def expect(cond, what):
    if not cond:
        raise AssertionError(what)


def skip_all(why):
    """Report the whole file skipped; returns the kselftest skip status."""
    ksft.print_header()
    print(f"1..0 # SKIP {why}")
    return ksft.KSFT_SKIP


def run_cases():
    ksft.print_header()
    ksft.set_plan(len(_cases))
    for fn in _cases:
        try:
            fn()
            ksft.test_result_pass(fn.__name__)
        except Skip as e:
            ksft.test_result_skip(f"{fn.__name__}: {e}")
        except Exception as e:      # any failure is this case's
            ksft.print_msg(f"{fn.__name__}: {e}")
            ksft.test_result_fail(fn.__name__)
        sys.stdout.flush()
    ksft.finished()
