#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""summary.py RESULTS: the headline numbers of a bench run, as Markdown.

Everything is a ratio or a table from the one run in RESULTS: under TCG
the absolute figures are emulated and only comparisons mean anything.
The cost figures are pipelined (several files in flight per connection);
per-file latency comes from the stop-and-wait points.  Last, the
project's targets, each met, missed or not measured by this run.
"""
import csv
import glob
import os
import sys

K, M = 1 << 10, 1 << 20
TARGET_CONNS = (1, 16, 256)
TARGET_SIZES = (4 * K, 64 * K, 1 * M, 64 * M)


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


def row_ratio(a, b, field):
    """Row a's FIELD over row b's, or None if either is missing or b's is 0."""
    if not a or not b or not float(b[field]):
        return None
    return float(a[field]) / float(b[field])


def conns_name(c):
    return f"{c} conn" if int(c) == 1 else f"{c} conns"


class Bench:
    """The zcbench rows of a run; runs before pipelining were stop and wait."""

    def __init__(self, out):
        self.rows = []
        for path in sorted(glob.glob(os.path.join(out, "zcbench-*.csv"))):
            self.rows += rows(path)
        for r in self.rows:
            r.setdefault("mode", "stop-and-wait")

    def get(self, net, cache, mode, conns, size, method):
        for r in self.rows:
            if (r["net"], r["cache"], r["mode"], r["conns"], r["size"], r["method"]) == \
                    (net, cache, mode, str(conns), str(size), method):
                return r
        return None

    def sizes(self, net, cache, mode, conns):
        return sorted({int(r["size"]) for r in self.rows
                       if (r["net"], r["cache"], r["mode"], r["conns"]) ==
                       (net, cache, mode, str(conns))})

    def methods(self):
        return list(dict.fromkeys(r["method"] for r in self.rows))

    def ratio(self, net, mode, conns, size, field, of="zcopy", to="sendfile"):
        """of's FIELD over to's at one cached point, or None if not measured."""
        return row_ratio(self.get(net, "cached", mode, conns, size, of),
                         self.get(net, "cached", mode, conns, size, to), field)


def cost_table(b):
    print("### zcbench: wire, cached, pipelined, 1 connection (median of repeats)\n")
    print("| size | method | window | MiB/s | CPU s/GiB | syscalls/GiB |")
    print("|---|---|---|---:|---:|---:|")
    for s in b.sizes("wire", "cached", "pipelined", 1):
        for m in b.methods():
            r = b.get("wire", "cached", "pipelined", 1, s, m)
            if r:
                print(f"| {size_name(s)} | {m} | {r['depth']}/{r['batch']} | "
                      f"{float(r['mib_s']):.1f} | {float(r['cpu_s_per_gib']):.2f} | "
                      f"{float(r['syscalls_per_gib']):.0f} |")
    print()


def ratio_table(b):
    print("### zcopy against sendfile: wire, cached, pipelined\n")
    print("| conns | size | CPU/GiB ratio | throughput ratio | "
          "CPU/GiB vs read+write |")
    print("|---:|---|---:|---:|---:|")
    conns = sorted({int(r["conns"]) for r in b.rows
                    if (r["net"], r["cache"], r["mode"]) == ("wire", "cached", "pipelined")})
    for c in conns:
        for s in b.sizes("wire", "cached", "pipelined", c):
            cpu = b.ratio("wire", "pipelined", c, s, "cpu_s_per_gib")
            tput = b.ratio("wire", "pipelined", c, s, "mib_s")
            rw = b.ratio("wire", "pipelined", c, s, "cpu_s_per_gib", to="read+write")
            if cpu is None and tput is None:
                continue
            cells = [f"{v:.2f}" if v is not None else "n/a" for v in (cpu, tput, rw)]
            print(f"| {c} | {size_name(s)} | " + " | ".join(cells) + " |")
    print()


def latency_table(b):
    conns = sorted({int(r["conns"]) for r in b.rows
                    if (r["net"], r["cache"], r["mode"]) == ("wire", "cached", "stop-and-wait")})
    if not conns or "lat_p50_s" not in b.rows[0]:
        return
    c = conns[0]
    print(f"### Per-file latency: wire, cached, stop and wait, {conns_name(c)} (ms)\n")
    print("From a file's first byte handed to the method to the receiver's "
          "acknowledgement; median over the repeats of each one's p50 and p99.\n")
    print("| size | method | p50 | p99 | MiB/s | CPU s/GiB |")
    print("|---|---|---:|---:|---:|---:|")
    for s in b.sizes("wire", "cached", "stop-and-wait", c):
        for m in b.methods():
            r = b.get("wire", "cached", "stop-and-wait", c, s, m)
            if r:
                print(f"| {size_name(s)} | {m} | {1e3 * float(r['lat_p50_s']):.3f} | "
                      f"{1e3 * float(r['lat_p99_s']):.3f} | {float(r['mib_s']):.1f} | "
                      f"{float(r['cpu_s_per_gib']):.2f} |")
    print()


def cold_table(b):
    conns = sorted({int(r["conns"]) for r in b.rows if (r["net"], r["cache"]) == ("wire", "cold")})
    if not conns:
        return
    print("### zcbench: wire, cold (page cache dropped before each file), stop and wait\n")
    print("| conns | size | method | MiB/s | CPU s/GiB | zcopy/sendfile throughput | "
          "zcopy/sendfile CPU |")
    print("|---:|---|---|---:|---:|---:|---:|")
    for c in conns:
        for s in b.sizes("wire", "cold", "stop-and-wait", c):
            for m in b.methods():
                r = b.get("wire", "cold", "stop-and-wait", c, s, m)
                if not r:
                    continue
                tput = cpu = ""
                if m == "zcopy" and c == 1:
                    tput, cpu = (f"{v:.2f}" if v is not None else "n/a"
                                 for v in (cold_ratio(b, s, "mib_s"),
                                           cold_ratio(b, s, "cpu_s_per_gib")))
                print(f"| {c} | {size_name(s)} | {m} | {float(r['mib_s']):.1f} | "
                      f"{float(r['cpu_s_per_gib']):.2f} | {tput} | {cpu} |")
    print()


def blocking_rows(out):
    path = os.path.join(out, "blocking.csv")
    return rows(path) if os.path.exists(path) else []


def blocking_table(b):
    """How long submitting cold files held the caller, and the threads
    parked meanwhile: the peak, over the whole guest, of threads in D
    state and of those waiting on a file read (runs before issue 13 have
    neither column, nor the ways of many files at once)."""
    if not b:
        return
    print("### Submitting cold files (median, ms; threads in D state at the peak)\n")
    print("D state counts every thread of the guest; on a file read, those of them "
          "whose wait channel or kernel stack shows one; own, of those, zcbench's "
          "threads and kernel threads (a module's workers); iowait, the kernel's "
          "count of tasks in I/O wait, read every millisecond.\n")
    print("| call | file | held, ms | all sent, ms | D state | on a file read | own | "
          "iowait |")
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    for r in b:
        total = f"{1e3 * float(r['total_s']):.1f}" if r.get("total_s") else "n/a"
        print(f"| {r['way']} | {size_name(r['size'])} | {1e3 * float(r['median_s']):.3f} | "
              f"{total} | {r.get('peak_d') or 'n/a'} | {r.get('peak_d_read') or 'n/a'} | "
              f"{r.get('peak_own_read') or 'n/a'} | {r.get('peak_iowait') or 'n/a'} |")
    way = {r["way"]: float(r["median_s"]) for r in b}
    z = way.get("zcopy SUBMIT")
    sb = way.get("sendfile, blocking socket (whole call)")
    sf = way.get("sendfile, non-blocking socket (first call)")
    if z is not None and sb and sf:
        print(f"\nzcopy SUBMIT / blocking sendfile call: {100 * z / sb:.3f}%; "
              f"/ first non-blocking sendfile call: {100 * z / sf:.3f}%")
    shares = [float(r["sampler_share"]) for r in b if r.get("sampler_share")]
    if shares:
        print(f"\nThe D-state sampler took at most {100 * max(shares):.0f}% of one CPU "
              "during these windows; peaks are lower bounds (a wait shorter than "
              "its period can be missed).")
    print()


def responses_table(r):
    """zcbench --header: a response per file, each method's way
    (r: responses_rows())."""
    if not r:
        return

    print("### Responses: a 200-byte head before each file, wire, cached, "
          "pipelined\n")
    print("zcopy submits head and file as one grouped response and reaps "
          "completions from the context's ring (zcopy+read: by read()); "
          "sendfile+cork is nginx's TCP_CORK, write, sendfile, uncork; "
          "sendfile is write then sendfile.  CPU is per GiB of files, so per "
          "response at one size; system calls are the sending thread's, as "
          "the kernel counts them, per response.\n")
    print("| conns | size | zcopy CPU vs sendfile+cork | vs write+sendfile | "
          "vs zcopy+read | throughput vs sendfile+cork | "
          "syscalls/response zcopy | sendfile+cork |")
    print("|---:|---|---:|---:|---:|---:|---:|---:|")
    for c in sorted({k[0] for k in r}, key=int):
        for s in sorted({k[1] for k in r if k[0] == c}, key=int):
            z, k, w, rd = (r.get((c, s, m)) for m in ("zcopy", "sendfile+cork",
                                                      "sendfile", "zcopy+read"))
            if not z or not k or not w:
                continue
            ratio_row(c, s, z, (("cpu_s_per_gib", k), ("cpu_s_per_gib", w),
                                ("cpu_s_per_gib", rd), ("mib_s", k)),
                      (z, k), ".3f")
    print()


def ratio_row(conns, size, z, ratios, calls, calls_fmt):
    """A table row: zcopy's figures over another method's, for each
    (field, row) of ratios; then the system calls per file of each row
    of calls."""
    cells = [row_ratio(z, o, f) for f, o in ratios]
    per = [float(o["syscalls_per_gib"]) * int(size) / (1 << 30) for o in calls]
    print(f"| {conns} | {size_name(size)} | " +
          " | ".join(f"{v:.2f}" if v is not None else "n/a" for v in cells) +
          " | " + " | ".join(f"{v:{calls_fmt}}" for v in per) + " |")


def frames_table(out):
    """zcbench --frame: a file as HTTP/2-style DATA frames."""
    path = os.path.join(out, "frames.csv")
    if not os.path.exists(path):
        return
    r = {(x["conns"], x["size"], x["method"]): x for x in rows(path)}
    print("### Framing: each file as 16 KiB frames, each after a 9-byte "
          "header, wire, cached\n")
    print("zcopy submits every frame's header and range as one grouped "
          "response; read+write reads and writes a frame at a time; sendfile "
          "writes each header, then sendfile()s its frame.\n")
    print("| conns | size | zcopy CPU vs read+write | vs sendfile | "
          "throughput vs sendfile | syscalls/file zcopy | sendfile |")
    print("|---:|---|---:|---:|---:|---:|---:|")
    for c, s in sorted({(k[0], k[1]) for k in r}, key=lambda k: (int(k[0]), int(k[1]))):
        z, rw, sf = (r.get((c, s, m)) for m in ("zcopy", "read+write", "sendfile"))
        if not z or not rw or not sf:
            continue
        ratio_row(c, s, z, (("cpu_s_per_gib", rw), ("cpu_s_per_gib", sf),
                            ("mib_s", sf)), (z, sf), ".1f")
    print()


def scaling_table(out):
    path = os.path.join(out, "scaling.csv")
    if not os.path.exists(path):
        return
    s = rows(path)
    ways = list(dict.fromkeys(r["way"] for r in s))
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


def cgroup_table(out):
    """zcbench cgroup: a capped sender's work, inside its cgroup or not."""
    path = os.path.join(out, "cgroup.txt")
    if not os.path.exists(path):
        return
    with open(path) as f:
        lines = [l.split() for l in f if l.strip() and not l.startswith("#")]
    head, body = lines[0], {l[0]: l for l in lines[1:]}
    print("### A sender in a cgroup capped by cpu.max "
          "(/dev/urandom and cached files)\n")
    print("| " + " | ".join(head) + " |")
    print("|---|" + "---:|" * (len(head) - 1))
    for l in body.values():
        print("| " + " | ".join(l) + " |")
    z, s = body.get("zcopy"), body.get("sendfile")
    if z and s:
        col = {h: i for i, h in enumerate(head)}
        print(f"\nzcopy / sendfile: wall time "
              f"{float(z[col['wall_s']]) / float(s[col['wall_s']]):.2f}x, "
              f"system CPU per GiB "
              f"{float(z[col['system/GiB']]) / float(s[col['system/GiB']]):.2f}x")
    print()


def http_rows(out):
    path = os.path.join(out, "http.csv")
    if not os.path.exists(path):
        return []
    h = rows(path)
    for r in h:
        r.setdefault("size", "64K")	# runs before the 1 MiB file
    return h


def http_table(h):
    if not h:
        return
    rounds = h[0].get("rounds")
    print("### wrk over the wire (requests/s" +
          (f", median of {rounds} interleaved rounds +- half their range"
           if rounds else "") + ")\n")
    conns = sorted({int(r["conns"]) for r in h})
    print("| server | file | " + " | ".join(f"{c} conns" for c in conns) + " |")
    print("|---|---|" + "---:|" * len(conns))

    def cell(r):
        if r is None:
            return "n/a"
        if "requests_spread" not in r:
            return r["requests_per_s"]
        return (f"{float(r['requests_per_s']):.0f} "
                f"+-{100 * float(r['requests_spread']):.0f}%")
    for size in dict.fromkeys(r["size"] for r in h):
        for srv in dict.fromkeys(r["server"] for r in h):
            cells = [cell(next((r for r in h if r["server"] == srv and
                                r["size"] == size and int(r["conns"]) == c), None))
                     for c in conns]
            print(f"| {srv} | {size} | " + " | ".join(cells) + " |")
    print()


def http_ratio(h, size, conns, other, srv="zcserve-zcopy", field="requests_per_s"):
    def get(name):
        for r in h:
            if (r["server"], r["size"], int(r["conns"])) == (name, size, conns):
                return float(r[field])
        return None
    z, o = get(srv), get(other)
    return z / o if z is not None and o else None


def https_rows(out):
    """http.sh with a TLS version: {version: rows}."""
    got = {}
    for v in ("1.3", "1.2"):
        path = os.path.join(out, f"https-{v}.csv")
        if os.path.exists(path) and rows(path):
            got[v] = rows(path)
    return got


def https_table(hs):
    for v, h in hs.items():
        print(f"### wrk over HTTPS, TLS {v} (requests/s and the server's CPU "
              f"s/GiB, median of {h[0]['rounds']} interleaved rounds)\n")
        conns = sorted({int(r["conns"]) for r in h})
        print("| server | file | " + " | ".join(f"{c} conns | CPU s/GiB" for c in conns)
              + " |")
        print("|---|---|" + "---:|---:|" * len(conns))
        for size in dict.fromkeys(r["size"] for r in h):
            for srv in dict.fromkeys(r["server"] for r in h):
                cells = []
                for c in conns:
                    r = next((r for r in h if r["server"] == srv and
                              r["size"] == size and int(r["conns"]) == c), None)
                    cells += ([f"{float(r['requests_per_s']):.1f} "
                               f"+-{100 * float(r['requests_spread']):.0f}%",
                               f"{float(r['cpu_s_per_gib']):.1f}"] if r else ["n/a"] * 2)
                print(f"| {srv} | {size} | " + " | ".join(cells) + " |")
        print()


def https_ratio(h, size, conns, other, field="requests_per_s"):
    def get(srv):
        for r in h:
            if (r["server"], r["size"], int(r["conns"])) == (srv, size, conns):
                return float(r[field])
        return None
    z, o = get("zcserve-zcopy"), get(other)
    return z / o if z is not None and o else None


def copymode_table(out):
    """zcbench's copymode section: zcopy in copy mode against zero-copy
    and sendfile."""
    for name, what in (("copymode", "cached"), ("copymode-tls", "cached, kTLS 1.3"),
                       ("copymode-cold", "cold, stop and wait")):
        path = os.path.join(out, f"{name}.csv")
        if not os.path.exists(path):
            continue
        r = {(x["conns"], x["size"], x["method"]): x for x in rows(path)}
        print(f"### Copy mode ({what}, wire): zcopy+copy over zcopy and "
              f"over sendfile\n")
        print("| conns | size | CPU vs zcopy | vs sendfile | throughput vs zcopy "
              "| vs sendfile |")
        print("|---:|---|---:|---:|---:|---:|")
        for c, s in sorted({(k[0], k[1]) for k in r}, key=lambda k: (int(k[0]), int(k[1]))):
            cp, z, sf = (r.get((c, s, m)) for m in ("zcopy+copy", "zcopy", "sendfile"))
            if not cp or not z or not sf:
                continue
            cells = [row_ratio(cp, o, f) for f, o in (("cpu_s_per_gib", z),
                                                        ("cpu_s_per_gib", sf),
                                                        ("mib_s", z), ("mib_s", sf))]
            print(f"| {c} | {size_name(s)} | " +
                  " | ".join(f"{v:.2f}" if v is not None else "n/a" for v in cells) + " |")
        print()


def targets24(hs, hsc):
    """Issue 24's: HTTPS, zcserve-zcopy against nginx with and without kTLS."""
    ts = []
    if hsc:
        ts.append(Target("HTTPS, cold: zcserve-zcopy requests/s >= 1.3x nginx-kTLS "
                         "with aio threads", 1.3, False,
                         [(conns_name(c), http_cold_ratio(hsc, c, "nginx-ktls-aio-threads"))
                          for c in (16, 256)]))
    for v, h in hs.items():
        pts = [(s, c) for s in ("64K", "1M") for c in (16, 256)]
        ts += [
            Target(f"HTTPS TLS {v}: zcserve-zcopy requests/s >= 1.2x nginx-ktls",
                   1.2, False,
                   [(f"{s}, {conns_name(c)}", https_ratio(h, s, c, "nginx-ktls"))
                    for s, c in pts]),
            Target(f"HTTPS TLS {v}: zcserve-zcopy requests/s >= 1.5x nginx-tls "
                   "(user-space TLS)", 1.5, False,
                   [(f"{s}, {conns_name(c)}", https_ratio(h, s, c, "nginx-tls"))
                    for s, c in pts]),
            Target(f"HTTPS TLS {v}: zcserve-zcopy CPU s/GiB <= nginx-ktls's",
                   1.0, True,
                   [(f"{s}, {conns_name(c)}",
                     https_ratio(h, s, c, "nginx-ktls", "cpu_s_per_gib"))
                    for s, c in pts]),
        ]
    return ts


def targets25(h, hc):
    """Issue 25's: nginx with the zcopy module against nginx as people run
    it (sendfile on, tcp_nopush on; aio threads) and against zcserve."""
    pts = [(s, c) for s in ("4K", "64K", "1M") for c in (16, 256)]
    ng = "nginx-zcopy"

    def ratio(other, field="requests_per_s", sizes=("4K", "64K", "1M")):
        return [(f"{s}, {conns_name(c)}", http_ratio(h, s, c, other, ng, field))
                for s, c in pts if s in sizes]
    ts = []
    if any(r["server"] == ng for r in h):
        ts += [
            Target("nginx-zcopy requests/s >= 1.2x nginx (sendfile, tcp_nopush), "
                   "64K and 1M", 1.2, False, ratio("nginx", sizes=("64K", "1M"))),
            Target("nginx-zcopy requests/s >= 1.0x nginx, 4K", 1.0, False,
                   ratio("nginx", sizes=("4K",))),
            Target("nginx-zcopy CPU s/GiB <= nginx's", 1.0, True,
                   ratio("nginx", "cpu_s_per_gib")),
            Target("nginx-zcopy requests/s >= 0.9x zcserve-zcopy", 0.9, False,
                   ratio("zcserve-zcopy")),
        ]
    if any(r["server"] == ng for r in hc):
        ts.append(Target("CDN cold 1M: nginx-zcopy requests/s >= 1.3x nginx aio threads",
                         1.3, False,
                         [(conns_name(c), http_cold_ratio(hc, c, "nginx-aio-threads", ng))
                          for c in (16, 256)]))
    return ts


def http_cold_rows(out, name="http-cold"):
    path = os.path.join(out, f"{name}.csv")
    return rows(path) if os.path.exists(path) else []


def http_cold_table(hc, over="the wire"):
    if not hc:
        return
    r0 = hc[0]
    print(f"### CDN-like cold point: {r0['files']} random 1 MiB files, page cache "
          f"about {r0['cache_mib']} MiB, wrk over {over}\n")
    print("Threads in D state at the peak over the whole guest during each run, of "
          "them those waiting on a file read, and of those the server's (its threads, "
          "or kernel threads); zcopy's disk-read counters over the run and the peak "
          "of its read_threads gauge (n/a: not reported by this module).\n")
    print("A cached 64 KiB file's latency during each run (hot p50, p99, ms: ten "
          "requests a second on one connection beside the load; n/a: not measured).\n")
    print("| server | conns | seconds | requests/s | D state | on a file read | server's | "
          "iowait | reads_async | reads_blocking | read_threads | hot p50 | hot p99 | "
          "socket errors |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for r in hc:
        print(f"| {r['server']} | {r['conns']} | {r['seconds']} | {r['requests_per_s']} | "
              f"{r['peak_d']} | {r['peak_d_read']} | {r.get('peak_server_read', 'n/a')} | "
              f"{r.get('peak_iowait', 'n/a')} | "
              f"{r['reads_async']} | {r['reads_blocking']} | {r['peak_read_threads']} | "
              f"{r.get('hot_p50_ms') or 'n/a'} | {r.get('hot_p99_ms') or 'n/a'} | "
              f"{r['errors']} |")
    print()


def http_cold_ratio(hc, conns, other, srv="zcserve-zcopy"):
    def rps(name):
        for r in hc:
            if (r["server"], int(r["conns"])) == (name, conns):
                try:
                    return float(r["requests_per_s"])
                except ValueError:
                    return None
        return None
    z, o = rps(srv), rps(other)
    return z / o if z is not None and o else None


def cold_ratio(b, size, field):
    """zcopy's FIELD over sendfile's at one cold wire point, 1 connection."""
    return row_ratio(b.get("wire", "cold", "stop-and-wait", 1, size, "zcopy"),
                     b.get("wire", "cold", "stop-and-wait", 1, size, "sendfile"),
                     field)


class Target:
    """A bound on a ratio at a set of points: met only if measured at all."""

    def __init__(self, text, bound, at_most, points):
        self.text, self.bound, self.at_most = text, bound, at_most
        self.points = points	# [(label, ratio or None)]

    def ok(self, v):
        return v <= self.bound if self.at_most else v >= self.bound

    def verdict(self):
        measured = [(p, v) for p, v in self.points if v is not None]
        missed = [(p, v) for p, v in measured if not self.ok(v)]
        n, m = len(self.points), len(measured)
        if missed:
            return "missed", f"missed at {len(missed)} of {m} measured"
        if m == n:
            return "met", "met"
        if not m:
            return "not measured", "not measured"
        return "not measured", f"not measured at {n - m} of {n}; met at the {m} measured"

    def worst(self):
        measured = [(p, v) for p, v in self.points if v is not None]
        if not measured:
            return "-"
        p, v = (max if self.at_most else min)(measured, key=lambda pv: pv[1])
        return f"{v:.2f}x ({p})"


def targets13(b, hc):
    """Issue 13: disk reads that park no thread."""
    return [
        Target("wire, cold, 1 conn, 64M: zcopy throughput >= 1.0x sendfile", 1.0, False,
               [("1 conn, 64M", cold_ratio(b, 64 * M, "mib_s"))]),
        Target("same: zcopy CPU s/GiB <= 1.0x sendfile", 1.0, True,
               [("1 conn, 64M", cold_ratio(b, 64 * M, "cpu_s_per_gib"))]),
        Target("CDN cold 1M, 16 and 256 conns: zcserve(zcopy) >= 1.3x nginx "
               "(sendfile, aio threads)", 1.3, False,
               [(conns_name(c), http_cold_ratio(hc, c, "nginx-aio-threads"))
                for c in (16, 256)]),
        Target("same: zcserve(zcopy) >= 1.3x zcserve(sendfile)", 1.3, False,
               [(conns_name(c), http_cold_ratio(hc, c, "zcserve-sendfile"))
                for c in (16, 256)]),
    ]


def parked_table(bl, hc):
    """Issue 13's other figure: threads parked on disk at the peak."""
    if not bl and not hc:
        return
    print("### Threads parked on disk at the peak\n")
    print("Sampled, not assumed: threads of the method (zcbench's) or of the server, "
          "and kernel threads, in D state waiting on a file read; in brackets every "
          "thread of the guest in D state, and the kernel's count of tasks in I/O "
          "wait (read every millisecond; the per-thread passes are slower).\n")
    print("| what | method or server | parked on a file read | (D state, all) | "
          "(I/O wait, all) |")
    print("|---|---|---:|---:|---:|")
    for r in bl:
        if r.get("peak_d"):
            print(f"| zcbench blocking, {size_name(r['size'])} x {r.get('conns', 1)} | "
                  f"{r['way']} | {r.get('peak_own_read', 'n/a')} | ({r['peak_d']}) | "
                  f"({r.get('peak_iowait', 'n/a')}) |")
    for r in hc:
        print(f"| CDN cold 1M, {conns_name(r['conns'])} | {r['server']} | "
              f"{r.get('peak_server_read', 'n/a')} | ({r['peak_d']}) | "
              f"({r.get('peak_iowait', 'n/a')}) |")
    print()


def targets(b, h):
    pts = [(c, s) for c in TARGET_CONNS for s in TARGET_SIZES]

    def wire(field, sizes=TARGET_SIZES):
        return [(f"{conns_name(c)}, {size_name(s)}",
                 b.ratio("wire", "pipelined", c, s, field))
                for c, s in pts if s in sizes]

    return [
        Target("wire, cached, pipelined, 1/16/256 conns, 4K-64M: "
               "zcopy CPU s/GiB <= 1.0x sendfile", 1.0, True, wire("cpu_s_per_gib")),
        Target("same, 1M and 64M: zcopy CPU s/GiB <= 0.8x sendfile", 0.8, True,
               wire("cpu_s_per_gib", (1 * M, 64 * M))),
        Target("same points: zcopy throughput >= 1.0x sendfile", 1.0, False,
               wire("mib_s")),
        Target("loopback, cached, pipelined, 1 conn, 64K and 64M: "
               "zcopy CPU s/GiB <= 1.1x sendfile", 1.1, True,
               [(f"1 conn, {size_name(s)}",
                 b.ratio("loopback", "pipelined", 1, s, "cpu_s_per_gib"))
                for s in (64 * K, 64 * M)]),
        Target("wrk, 64K and 1M, 16 and 256 conns: zcserve(zcopy) >= 1.0x "
               "zcserve(sendfile)", 1.0, False,
               [(f"{s}, {conns_name(c)}", http_ratio(h, s, c, "zcserve-sendfile"))
                for s in ("64K", "1M") for c in (16, 256)]),
        Target("same: zcserve(zcopy) >= 1.2x nginx (sendfile on)", 1.2, False,
               [(f"{s}, {conns_name(c)}", http_ratio(h, s, c, "nginx"))
                for s in ("64K", "1M") for c in (16, 256)]),
    ]


def responses_rows(out):
    """The responses pass (--header 200), by (conns, size, method)."""
    path = os.path.join(out, "responses.csv")
    if not os.path.exists(path):
        return {}
    return {(x["conns"], x["size"], x["method"]): x for x in rows(path)}


def scaling_flatness(out):
    """zcopy's slowest reap of one event among N sockets over its fastest:
    through the rings, libzcopy's default, where the run has them."""
    path = os.path.join(out, "scaling.csv")
    if not os.path.exists(path):
        return None
    s = rows(path)
    way = "zcopy+ring" if any(r["way"] == "zcopy+ring" for r in s) else "zcopy"
    v = [float(r["median_s"]) for r in s if r["way"] == way]
    return max(v) / min(v) if len(v) > 1 and min(v) else None


def targets23(b, h, r, out):
    """Issue 23: one submission per response (r: responses_rows())."""
    def resp(field, other, sizes):
        return [(f"{conns_name(c)}, {size_name(s)}",
                 row_ratio(r.get((str(c), str(s), "zcopy")),
                           r.get((str(c), str(s), other)), field))
                for c in TARGET_CONNS for s in sizes]
    sizes = ("4K", "64K", "1M")
    return [
        Target("responses, 4K and 64K: zcopy CPU per response <= 0.8x "
               "sendfile+cork", 0.8, True,
               resp("cpu_s_per_gib", "sendfile+cork", (4 * K, 64 * K))),
        Target("responses, 1M: zcopy CPU per response <= 0.9x sendfile+cork",
               0.9, True, resp("cpu_s_per_gib", "sendfile+cork", (1 * M,))),
        Target("responses, 4K-1M: zcopy throughput >= 1.1x sendfile+cork", 1.1,
               False, resp("mib_s", "sendfile+cork", (4 * K, 64 * K, 1 * M))),
        Target("responses, 4K-1M: zcopy system calls per response <= 0.1x "
               "sendfile+cork's", 0.1, True,
               resp("syscalls_per_gib", "sendfile+cork", (4 * K, 64 * K, 1 * M))),
        Target("wrk, 4K-1M, 16 and 256 conns: zcserve(zcopy) >= 1.1x "
               "zcserve(sendfile)", 1.1, False,
               [(f"{s}, {conns_name(c)}", http_ratio(h, s, c, "zcserve-sendfile"))
                for s in sizes for c in (16, 256)]),
        Target("same: zcserve(zcopy) >= 1.2x nginx (sendfile, tcp_nopush)", 1.2,
               False,
               [(f"{s}, {conns_name(c)}", http_ratio(h, s, c, "nginx"))
                for s in sizes for c in (16, 256)]),
        Target("reaping 1 of N ready sockets, N 10 to 10,000: slowest "
               "<= 1.5x fastest", 1.5, True,
               [("zcopy, rings where measured", scaling_flatness(out))]),
        Target("wire, cold, 1 conn, 1M, stop and wait: zcopy throughput "
               ">= 1.0x sendfile", 1.0, False,
               [("1 conn, 1M", cold_ratio(b, 1 * M, "mib_s"))]),
    ]


def targets_table(ts, title="Targets"):
    print(f"### {title} (ratios side by side in this run)\n")
    print("| target | points measured | worst ratio | verdict |")
    print("|---|---:|---|---|")
    count = {}
    for t in ts:
        short, text = t.verdict()
        count[short] = count.get(short, 0) + 1
        m = sum(v is not None for _, v in t.points)
        print(f"| {t.text} | {m}/{len(t.points)} | {t.worst()} | {text} |")
    print()
    print("Targets: " + ", ".join(f"{count.get(k, 0)} {k}"
                                   for k in ("met", "missed", "not measured")) + ".\n")
    for t in ts:
        if any(v is not None and not t.ok(v) for _, v in t.points):
            print(f"* {t.text}: " + "; ".join(
                f"{p} {v:.2f}x" for p, v in t.points if v is not None and not t.ok(v)))
    print()


def main(out):
    b = Bench(out)
    h = http_rows(out)
    bl = blocking_rows(out)
    hc = http_cold_rows(out)
    cached = any(r["cache"] == "cached" for r in b.rows)
    if cached:
        cost_table(b)
        ratio_table(b)
        latency_table(b)
    cold_table(b)
    resp = responses_rows(out)
    responses_table(resp)
    frames_table(out)
    blocking_table(bl)
    scaling_table(out)
    cgroup_table(out)
    http_table(h)
    hs = https_rows(out)
    https_table(hs)
    copymode_table(out)
    http_cold_table(hc)
    hsc = http_cold_rows(out, "https-cold")
    http_cold_table(hsc, "HTTPS (kernel TLS)")
    # A cold-only run (make bench-cold) measures none of issue 12's points.
    if cached or h:
        targets_table(targets(b, h), "Targets of issue 12")
    parked_table(bl, hc)
    targets_table(targets13(b, hc), "Targets of issue 13, disk reads")
    targets_table(targets23(b, h, resp, out), "Targets of issue 23, one submission "
                  "per response (the CDN point: issue 13's above)")
    if hs or hsc:
        targets_table(targets24(hs, hsc), "Targets of issue 24, HTTPS")
    t25 = targets25(h, hc)
    if t25:
        targets_table(t25, "Targets of issue 25, nginx on zcopy")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: summary.py RESULTS")
    main(sys.argv[1])
