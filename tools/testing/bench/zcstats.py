#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""zcstats.py BEFORE AFTER SAMPLES: zcopy's disk-read figures over a run.

BEFORE and AFTER hold one `zcctl -j stats` each, SAMPLES one per line
taken during the run.  Prints key=value: the growth of the counters
reads_async and reads_blocking, and the peaks of the gauges read_threads
and disk_waiting; "n/a" for what the module or zcctl does not report.
"""
import json
import sys

COUNTERS = ("reads_async", "reads_blocking")
GAUGES = ("read_threads", "disk_waiting")


def objects(path):
    out = []
    try:
        with open(path) as f:
            for line in f:
                try:
                    out.append(json.loads(line))
                except ValueError:
                    pass	# a sample cut short when the loop was stopped
    except OSError:
        pass
    return [o for o in out if isinstance(o, dict)]


def main(before, after, samples):
    b, a, s = objects(before), objects(after), objects(samples)
    fields = []
    for k in COUNTERS:
        ok = b and a and k in b[0] and k in a[0]
        fields.append(f"{k}={int(a[0][k]) - int(b[0][k])}" if ok else f"{k}=n/a")
    for k in GAUGES:
        seen = [int(o[k]) for o in s + a if k in o]
        fields.append(f"peak_{k}={max(seen)}" if seen else f"peak_{k}=n/a")
    fields.append(f"stats_samples={len(s)}")
    print(" ".join(fields))


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit("usage: zcstats.py BEFORE AFTER SAMPLES")
    main(*sys.argv[1:])
