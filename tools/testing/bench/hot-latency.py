#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# hot-latency.py URL SECONDS [RATE]: while another load runs, ask for URL
# (a small file that stays in the page cache) RATE times a second
# (default 10) on one kept-alive connection for SECONDS, and print the
# median and 99th percentile of the time from request to whole response,
# in milliseconds: "hot_p50_ms=X hot_p99_ms=Y samples=N".  A probe, not a
# load: what a cached file costs its client while a server is busy with
# cold ones (the method of nginx's own thread-pool benchmark).

import http.client
import ssl
import statistics
import sys
import time
import urllib.parse


def main():
    url = urllib.parse.urlsplit(sys.argv[1])
    seconds, rate = float(sys.argv[2]), float(sys.argv[3]) if len(sys.argv) > 3 else 10.0
    conn = None
    times = []
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        began = time.monotonic()
        try:
            if conn is None:
                cls = (http.client.HTTPSConnection if url.scheme == "https"
                       else http.client.HTTPConnection)
                kw = {}
                if url.scheme == "https":
                    kw["context"] = ssl._create_unverified_context()
                conn = cls(url.hostname, url.port, timeout=30, **kw)
            conn.request("GET", url.path)
            r = conn.getresponse()
            r.read()
            if r.status == 200:
                times.append((time.monotonic() - began) * 1000)
        except (OSError, http.client.HTTPException):
            conn = None
        pause = 1 / rate - (time.monotonic() - began)
        if pause > 0:
            time.sleep(pause)
    if len(times) < 2:
        print(f"hot_p50_ms=n/a hot_p99_ms=n/a samples={len(times)}")
        return
    q = statistics.quantiles(times, n=100, method="inclusive")
    print(f"hot_p50_ms={statistics.median(times):.1f} hot_p99_ms={q[98]:.1f} "
          f"samples={len(times)}")


if __name__ == "__main__":
    main()
