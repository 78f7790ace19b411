#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# zcctl against the loaded module: its numbers match a known workload,
# config set is obeyed, privileged and range-checked, listings show the
# right context and nothing from another network namespace, monitor sees
# events, every JSON output parses, and errors are one clear line.

import json
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
# The project's helpers in lib/; the kernel's ksft.py is beside the test.
sys.path.insert(0, os.path.join(HERE, "lib"))
from cases import case, expect, run_cases  # noqa: E402
from scale import scaled  # noqa: E402
PROJECT = os.environ.get("ZCOPY_PROJECT", os.path.join(HERE, "..", ".."))
ZCCTL = os.path.join(PROJECT, "tools", "zcctl", "zcctl")
HELPER = os.path.join(HERE, "lib", "zc_helper")
MODULE = os.environ.get("ZCOPY_MODULE")
MiB = 1 << 20


def run(*argv, check=True, **kw):
    p = subprocess.run(argv, capture_output=True, text=True, timeout=scaled(120), **kw)
    if check and p.returncode != 0:
        raise AssertionError(f"{' '.join(argv)}: exit {p.returncode}: {p.stderr.strip()}")
    return p


def zcctl(*args, check=True):
    return run(ZCCTL, *args, check=check)


def zjson(*args):
    """A zcctl command's JSON output, parsed (it must parse)."""
    return json.loads(zcctl("-j", *args).stdout)


class Holder:
    """zc_helper hold N: a context keeping N transfers in flight."""

    def __init__(self, n, prefix=()):
        self.p = subprocess.Popen([*prefix, HELPER, "hold", str(n)],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  text=True)
        line = self.p.stdout.readline().split()
        if len(line) != 2 or line[0] != "ready":
            self.close()
            raise AssertionError(f"zc_helper hold {n} did not start: {line}")
        self.pid = int(line[1])

    def close(self):
        self.p.stdin.close()
        return self.p.wait(timeout=scaled(60))


STATS_KEYS = {"contexts", "sockets", "transfers", "submitted", "completed",
              "failed", "cancelled", "bytes_zerocopy", "bytes_copied", "pages",
              "bytes_inline", "worker_passes", "reads_async",
              "reads_blocking", "disk_waiting", "read_threads",
              "bytes_user"}


@case
def stats_default_command():
    out = zcctl().stdout
    expect(out == zcctl("stats").stdout, "zcctl with no command is not stats")
    for key in STATS_KEYS:
        expect(f"{key.replace('_', ' ')}:" in out, f"text stats lack '{key}'")
    expect(set(zjson("stats")) == STATS_KEYS, "JSON stats keys differ")


@case
def stats_follow_workload():
    n, size = 5, 65537
    before = zjson("stats")
    run(HELPER, "send", str(n), str(size))
    after = zjson("stats")
    for key, want in (("submitted", n), ("completed", n),
                      ("bytes_zerocopy", n * size), ("failed", 0),
                      ("cancelled", 0)):
        got = after[key] - before[key]
        expect(got == want, f"{key} moved by {got}, not {want}")


@case
def config_set_is_obeyed():
    default = zjson("config")
    expect(set(default) == {"max_inflight", "max_pinned", "max_user_sockets",
                            "submit_budget", "deferred_timeout_ms", "copy_mode"},
           f"config keys: {default}")
    expect(default["copy_mode"] is False, "copy mode on by default")
    try:
        zcctl("config", "set", "max-inflight", "3")
        expect(zjson("config")["max_inflight"] == 3, "max-inflight not 3")
        h = Holder(3)
        expect(h.close() == 0, "3 transfers refused at a limit of 3")
        p = run(HELPER, "hold", "4", check=False, input="")
        expect(p.returncode != 0, "a 4th transfer was accepted at a limit of 3")
        zcctl("config", "set", "max-pinned", "8M")
        expect(zjson("config")["max_pinned"] == 8 * MiB, "max-pinned 8M not 8 MiB")
        zcctl("config", "set", "submit-budget", "64K")
        expect(zjson("config")["submit_budget"] == 64 << 10,
               "submit-budget 64K not 64 KiB")
        zcctl("config", "set", "copy-mode", "on")
        expect(zjson("config")["copy_mode"] is True, "copy-mode on not true")
        expect(re.search(r"^copy mode: +on$", zcctl("config").stdout, re.M),
               "copy mode not shown on")
        zcctl("config", "set", "copy-mode", "0")
        expect(zjson("config")["copy_mode"] is False, "copy-mode 0 not false")
        p = zcctl("config", "set", "copy-mode", "yes", check=False)
        expect(p.returncode == 1 and "invalid value 'yes'" in p.stderr,
               f"copy-mode yes: exit {p.returncode}, {p.stderr!r}")
    finally:
        zcctl("config", "set", "max-inflight", str(default["max_inflight"]),
              "max-pinned", str(default["max_pinned"]),
              "submit-budget", str(default["submit_budget"]),
              "copy-mode", "on" if default["copy_mode"] else "off")
    expect(zjson("config") == default, "config not restored")


@case
def config_set_needs_cap_net_admin():
    before = zjson("config")
    p = run("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
            "--inh-caps=-all", "--bounding-set=-all",
            ZCCTL, "config", "set", "max-inflight", "7", check=False)
    expect(p.returncode == 1, f"unprivileged config set: exit {p.returncode}")
    expect("permission denied" in p.stderr, f"stderr: {p.stderr!r}")
    expect(zjson("config") == before, "unprivileged set changed the config")
    # Reading is not privileged.
    p = run("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
            "--inh-caps=-all", "--bounding-set=-all", ZCCTL, "-j", "config")
    expect(json.loads(p.stdout) == before, "unprivileged config get differs")


@case
def config_set_out_of_range():
    before = zjson("config")
    for key, value in (("max-inflight", "0"), ("max-inflight", "65537"),
                       ("max-pinned", "1"), ("max-pinned", "2T"),
                       ("max-user-sockets", "0"),
                       ("max-user-sockets", str((1 << 24) + 1)),
                       ("submit-budget", "4095"), ("submit-budget", "2T"),
                       ("deferred-timeout-ms", "0"),
                       ("deferred-timeout-ms", "60001")):
        p = zcctl("config", "set", key, value, check=False)
        expect(p.returncode == 1, f"{key} {value}: exit {p.returncode}")
        lines = p.stderr.strip().splitlines()
        expect(len(lines) == 1 and "kernel reports: integer out of range" in lines[0],
               f"{key} {value}: stderr {p.stderr!r}")
    expect("valid: 1..65536" in zcctl("config", "set", "max-inflight", "0",
                                      check=False).stderr, "range not shown")
    expect(zjson("config") == before, "a rejected value changed the config")


@case
def contexts_and_transfers_listed():
    h = Holder(6)
    try:
        mine = [c for c in zjson("contexts") if c["pid"] == h.pid]
        expect(len(mine) == 1, f"{len(mine)} contexts with pid {h.pid}")
        c = mine[0]
        expect(c["command"] == "zc_helper", f"command {c['command']!r}")
        expect(c["sockets"] == 2 and c["inflight"] == 6 and c["submitted"] == 6,
               f"context {c}")
        expect(c["closed"] is False, "open context shown closed")
        text = zcctl("contexts").stdout
        expect(f"context {c['id']}:" in text and "command:" in text, "text listing")
        expect(zcctl("list").stdout.count("context ") == text.count("context "),
               "list is not an alias of contexts")

        xs = zjson("transfers", str(c["id"]))
        expect(len(xs) == 6, f"{len(xs)} transfers listed, not 6")
        expect(sorted(x["user_data"] for x in xs) == list(range(100, 106)),
               "user_data differ")
        for x in xs:
            expect(x["context"] == c["id"] and x["length"] == 4 * MiB and
                   x["offset"] == 0 and x["flags"] == [] and
                   x["state"] in ("queued", "sending") and
                   0 <= x["done"] <= 4 * MiB, f"transfer {x}")
        expect(len({x["socket_fd"] for x in xs}) == 2, "not two sockets")
        expect(len({x["id"] for x in xs}) == 6, "transfer ids not unique")
        every = zjson("transfers")
        expect(sorted(x["id"] for x in every if x["context"] == c["id"]) ==
               sorted(x["id"] for x in xs), "unfiltered listing differs")
        expect(f"transfer {c['id']}/" in zcctl("transfers").stdout, "text listing")
    finally:
        expect(h.close() == 0, "holder failed")
    expect(not [c for c in zjson("contexts") if c["pid"] == h.pid],
           "a closed, released context is still listed")


# An unprivileged user, with every capability gone; files in /tmp, which
# it may write.
NOBODY = ("env", "ZCOPY_SCRATCH=/tmp", "setpriv", "--reuid=65534",
          "--regid=65534", "--clear-groups", "--inh-caps=-all",
          "--bounding-set=-all")


@case
def listings_show_only_the_callers_own():
    """Without CAP_NET_ADMIN, a user lists only its own contexts.

    Listings and events carry pids, command names, descriptors, inode
    numbers and user_data (often a pointer): no other user's business.
    """
    mine, theirs = Holder(2), Holder(1, prefix=NOBODY)
    try:
        ids = {c["pid"]: c["id"] for c in zjson("contexts")}
        expect(mine.pid in ids and theirs.pid in ids,
               "CAP_NET_ADMIN does not list every context")
        p = run(*NOBODY, ZCCTL, "-j", "contexts")
        seen = [c["pid"] for c in json.loads(p.stdout)]
        expect(seen == [theirs.pid], f"nobody lists the contexts of {seen}")
        p = run(*NOBODY, ZCCTL, "-j", "transfers")
        seen = {x["context"] for x in json.loads(p.stdout)}
        expect(seen == {ids[theirs.pid]}, f"nobody lists transfers of {seen}")
        p = run(*NOBODY, ZCCTL, "transfers", str(ids[mine.pid]), check=False)
        expect(p.returncode == 1 and "no such context" in p.stderr,
               f"another user's context by id: {p.returncode} {p.stderr!r}")
        p = run(*NOBODY, ZCCTL, "-j", "transfers", str(ids[theirs.pid]))
        expect(len(json.loads(p.stdout)) == 1, "its own context by id")
        p = run(*NOBODY, ZCCTL, "monitor", "count", "1", check=False)
        expect(p.returncode == 1 and "permission denied" in p.stderr,
               f"nobody monitors events: {p.returncode} {p.stderr!r}")
    finally:
        mine.close()
        theirs.close()


def register_as(n, prefix=()):
    """zc_helper register N; returns (process, its report)."""
    p = subprocess.Popen([*prefix, HELPER, "register", str(n)],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         text=True)
    return p, p.stdout.readline().split()


@case
def registrations_bounded_per_user():
    """max-user-sockets bounds each user's registrations, whatever the
    context, and gives them back when they end."""
    default = zjson("config")
    held = []
    try:
        zcctl("config", "set", "max-user-sockets", "3")
        held.append(register_as(5, NOBODY))
        expect(held[-1][1] == ["registered", "3", "ENOSPC"],
               f"nobody: {held[-1][1]}")
        held.append(register_as(3))
        expect(held[-1][1] == ["registered", "3", "OK"],
               f"root, while nobody holds 3: {held[-1][1]}")
        for p, _ in held:
            p.stdin.close()
            p.wait(timeout=scaled(60))
        held = [register_as(3, NOBODY)]
        expect(held[-1][1] == ["registered", "3", "OK"],
               f"nobody, after its registrations ended: {held[-1][1]}")
    finally:
        for p, _ in held:
            p.stdin.close()
            p.wait(timeout=scaled(60))
        zcctl("config", "set", "max-user-sockets",
              str(default["max_user_sockets"]))


@case
def long_listings_span_messages():
    """Listings too long for one dump message resume where they stopped.

    1200 transfers of about 150 bytes each need several messages, and
    the resume point crosses from one context to the next.
    """
    n = 600
    default = zjson("config")
    zcctl("config", "set", "max-pinned", "8G")
    holders = []
    try:
        holders = [Holder(n), Holder(n)]
        ids = {c["pid"]: c["id"] for c in zjson("contexts")}
        every = zjson("transfers")
        for h in holders:
            mine = [x for x in every if x["context"] == ids[h.pid]]
            expect(len(mine) == n, f"{len(mine)} of context {ids[h.pid]}'s "
                   f"{n} transfers listed")
            expect(sorted(x["user_data"] for x in mine) ==
                   list(range(100, 100 + n)), "a transfer listed twice or not at all")
            only = zjson("transfers", str(ids[h.pid]))
            expect(sorted(x["id"] for x in only) == sorted(x["id"] for x in mine),
                   "the filtered listing differs")
    finally:
        for h in holders:
            h.close()
        zcctl("config", "set", "max-pinned", str(default["max_pinned"]))


@case
def transfers_of_unknown_context():
    p = zcctl("transfers", "2000000000", check=False)
    expect(p.returncode == 1 and "kernel reports: no such context" in p.stderr,
           f"stderr {p.stderr!r}")


@case
def listings_stay_in_their_namespace():
    inner = Holder(2, prefix=("unshare", "--net", "sh", "-c",
                              'ip link set lo up && exec "$0" "$@"'))
    outer = Holder(1)
    try:
        pids = [c["pid"] for c in zjson("contexts")]
        expect(outer.pid in pids, "own namespace's context missing")
        expect(inner.pid not in pids, "another namespace's context listed")
        ids = {c["id"] for c in zjson("contexts")}
        expect(all(x["context"] in ids for x in zjson("transfers")),
               "another namespace's transfers listed")
        p = run("nsenter", "-t", str(inner.pid), "-n", ZCCTL, "-j", "contexts")
        theirs = json.loads(p.stdout)
        expect([c["pid"] for c in theirs] == [inner.pid],
               f"inside the namespace: {theirs}")
    finally:
        inner.close()
        outer.close()


def monitor_until(trigger, tries=int(scaled(30))):
    """Start `zcctl -j monitor count 1`; trigger until it reports."""
    mon = subprocess.Popen([ZCCTL, "-j", "monitor", "count", "1"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           text=True)
    try:
        for _ in range(tries):
            trigger()
            try:
                out, err = mon.communicate(timeout=1)
                expect(mon.returncode == 0, f"monitor exit {mon.returncode}: {err}")
                return json.loads(out)
            except subprocess.TimeoutExpired:
                continue    # not subscribed yet when it happened
        raise AssertionError("monitor saw no event")
    finally:
        if mon.poll() is None:
            mon.kill()
            mon.wait()


@case
def monitor_reports_failure():
    ev = monitor_until(lambda: run(HELPER, "fail"))
    expect(ev["event"] == "transfer-failed", f"event {ev}")
    expect(ev["error"] in ("ECONNRESET", "EPIPE") and ev["errno"] > 0, f"event {ev}")
    expect(ev["user_data"] == 99 and ev["length"] == 4 * MiB, f"event {ev}")


@case
def monitor_reports_config_change():
    cur = zjson("config")["max_inflight"]
    ev = monitor_until(lambda: zcctl("config", "set", "max-inflight", str(cur)))
    expect(ev == {"event": "config-changed", **zjson("config")}, f"event {ev}")


@case
def json_of_every_command_parses():
    h = Holder(1)
    try:
        for cmd in (["stats"], ["config"], ["contexts"], ["list"],
                    ["transfers"], ["version"]):
            for opts in (["-j"], ["-j", "-p"], ["--json", "--pretty"]):
                json.loads(zcctl(*opts, *cmd).stdout)
        expect("\n  " in zcctl("-j", "-p", "stats").stdout, "-p does not indent")
    finally:
        h.close()


@case
def usage_errors():
    for args in (["bogus"], ["config", "set", "max-inflight"],
                 ["config", "set", "nosuchkey", "1"],
                 ["config", "set", "max-inflight", "12x"],
                 ["transfers", "abc"], ["monitor", "count", "0"],
                 ["stats", "extra"], ["help", "bogus"]):
        p = zcctl(*args, check=False)
        lines = p.stderr.splitlines()
        expect(p.returncode == 1, f"{args}: exit {p.returncode}")
        expect(lines and lines[0].startswith("zcctl: ") and
               lines[1:2] == ["usage:"], f"{args}: stderr {p.stderr!r}")
    out = zcctl("help").stdout
    for cmd in ("stats", "config", "contexts", "transfers", "monitor",
                "help", "version"):
        expect(f"zcctl [-j [-p]] {cmd}" in out, f"help lacks {cmd}")
    expect(zcctl("help", "transfers").stdout.count("zcctl [") == 1, "help CMD")


@case
def module_not_loaded():
    if not MODULE:
        raise AssertionError("ZCOPY_MODULE is not set")
    run("rmmod", "zcopy")
    try:
        p = zcctl("stats", check=False)
        expect(p.returncode == 1, f"exit {p.returncode}")
        expect(p.stderr.strip() ==
               "zcctl: the zcopy kernel module is not loaded (run: modprobe zcopy)",
               f"stderr {p.stderr!r}")
        expect(zjson("version")["module"] == "not loaded", "version")
    finally:
        run("insmod", MODULE)
    zjson("stats")


@case
def family_lookup_loads_module():
    """A lookup of the family by name loads the module through its alias.

    The kernel asks its modprobe helper for
    net-pf-16-proto-16-family-zcopy.  Here the helper is real modprobe
    over a module tree holding only zcopy.ko, so the alias must be in the
    module's own modinfo for depmod to find it.
    """
    if not MODULE:
        raise AssertionError("ZCOPY_MODULE is not set")
    kver = os.uname().release
    root = "/tmp/zcopy-modroot"
    extra = os.path.join(root, "lib", "modules", kver, "extra")
    os.makedirs(extra, exist_ok=True)
    run("cp", MODULE, extra)
    run("depmod", "-b", root, kver)
    log = os.path.join(root, "requests")
    helper = os.path.join(root, "modprobe")
    with open(helper, "w") as f:
        f.write(f'#!/bin/sh\necho "$*" >>{log}\nexec modprobe -d {root} "$@"\n')
    os.chmod(helper, 0o755)
    with open("/proc/sys/kernel/modprobe") as f:
        saved = f.read().strip()
    run("rmmod", "zcopy")
    try:
        with open("/proc/sys/kernel/modprobe", "w") as f:
            f.write(helper)
        p = zcctl("-j", "stats", check=False)
    finally:
        with open("/proc/sys/kernel/modprobe", "w") as f:
            f.write(saved)
        if not os.path.exists("/sys/module/zcopy"):
            run("insmod", MODULE)
    with open(log) as f:
        requests = f.read()
    expect("net-pf-16-proto-16-family-zcopy" in requests,
           f"modprobe was asked for {requests!r}")
    expect(p.returncode == 0, f"stats after autoload: exit {p.returncode}: {p.stderr}")
    expect(set(json.loads(p.stdout)) == STATS_KEYS, "stats after autoload")


if __name__ == "__main__":
    sys.exit(run_cases())
