# SPDX-License-Identifier: GPL-2.0
#
# Time limits for the Python tests, scaled for the machine.

import os


def scaled(seconds):
    """A time limit for this machine: SECONDS on the machine the limits
    were set on, times how much slower this one measured (ZCOPY_TIME_SCALE,
    from make check's calibration; at least 1)."""
    return seconds * max(1.0, float(os.environ.get("ZCOPY_TIME_SCALE") or 1))
