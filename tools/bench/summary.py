#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""summary.py RESULTS: the headline numbers of a bench run, as Markdown.

Everything is a ratio or a table from the one run in RESULTS: under TCG
the absolute figures are emulated and only comparisons mean anything.
"""
import csv
import glob
import os
import sys


def rows(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def size_name(n):
    n = int(n)
    for unit in ("", "K", "M", "G"):
        if n < 1024 or n % 1024:
            return f"{n}{unit}"
        n //= 1024
    return f"{n}T"


def main(out):
    bench = []
    for path in sorted(glob.glob(os.path.join(out, "zcbench-*.csv"))):
        bench += rows(path)

    def get(net, cache, conns, size, method):
        for r in bench:
            if (r["net"], r["cache"], r["conns"], r["size"], r["method"]) == \
                    (net, cache, str(conns), str(size), method):
                return r
        return None

    print("### zcbench: wire, cached, 1 connection (median of repeats)\n")
    sizes = sorted({int(r["size"]) for r in bench
                    if r["net"] == "wire" and r["cache"] == "cached" and r["conns"] == "1"})
    methods = []
    for r in bench:
        if r["method"] not in methods:
            methods.append(r["method"])
    print("| size | method | MiB/s | CPU s/GiB | syscalls/GiB |")
    print("|---|---|---:|---:|---:|")
    for s in sizes:
        for m in methods:
            r = get("wire", "cached", 1, s, m)
            if r:
                print(f"| {size_name(s)} | {m} | {float(r['mib_s']):.1f} | "
                      f"{float(r['cpu_s_per_gib']):.2f} | {float(r['syscalls_per_gib']):.0f} |")
    print()
    print("### zcopy's ratios (wire, cached, 1 connection)\n")
    print("| size | vs | CPU/GiB ratio | throughput ratio |")
    print("|---|---|---:|---:|")
    for s in sizes:
        z = get("wire", "cached", 1, s, "zcopy")
        for other in ("sendfile", "read+write"):
            o = get("wire", "cached", 1, s, other)
            if z and o and float(o["cpu_s_per_gib"]) and float(o["mib_s"]):
                print(f"| {size_name(s)} | {other} | "
                      f"{float(z['cpu_s_per_gib']) / float(o['cpu_s_per_gib']):.2f} | "
                      f"{float(z['mib_s']) / float(o['mib_s']):.2f} |")
    print()

    path = os.path.join(out, "blocking.csv")
    if os.path.exists(path):
        b = rows(path)
        print("### Submitting a cold file (median, ms)\n")
        print("| call | ms |")
        print("|---|---:|")
        for r in b:
            print(f"| {r['way']} | {1e3 * float(r['median_s']):.3f} |")
        if len(b) == 3 and float(b[0]["median_s"]):
            print(f"\nzcopy SUBMIT / blocking sendfile call: "
                  f"{100 * float(b[2]['median_s']) / float(b[0]['median_s']):.3f}%; "
                  f"/ first non-blocking sendfile call: "
                  f"{100 * float(b[2]['median_s']) / float(b[1]['median_s']):.3f}%\n")

    path = os.path.join(out, "scaling.csv")
    if os.path.exists(path):
        s = rows(path)
        ways = []
        for r in s:
            if r["way"] not in ways:
                ways.append(r["way"])
        print("### Waiting for and reaping one event among N sockets (median, us)\n")
        print("| N | " + " | ".join(ways) + " |")
        print("|---:|" + "---:|" * len(ways))
        for n in sorted({int(r["sockets"]) for r in s}):
            cells = []
            for w in ways:
                v = [r for r in s if int(r["sockets"]) == n and r["way"] == w]
                cells.append(f"{1e6 * float(v[0]['median_s']):.1f}" if v else "n/a")
            print(f"| {n} | " + " | ".join(cells) + " |")
        print()

    path = os.path.join(out, "http.csv")
    if os.path.exists(path):
        h = rows(path)
        print("### wrk against a 64 KiB file over the wire (requests/s)\n")
        conns = sorted({int(r["conns"]) for r in h})
        print("| server | " + " | ".join(f"{c} conns" for c in conns) + " |")
        print("|---|" + "---:|" * len(conns))
        for srv in dict.fromkeys(r["server"] for r in h):
            cells = [next((r["requests_per_s"] for r in h
                           if r["server"] == srv and int(r["conns"]) == c), "n/a")
                     for c in conns]
            print(f"| {srv} | " + " | ".join(cells) + " |")
        print()


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: summary.py RESULTS")
    main(sys.argv[1])
