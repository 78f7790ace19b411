#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# The kernel's own YNL code, driven only by
# Documentation/netlink/specs/zcopy.yaml, runs every operation of the
# family against the loaded module: the spec and the module agree, with no
# project code in between.  Its command-line client (tools/net/ynl/cli.py
# from the kernel source) lists the operations and reads the counters; the
# other cases use the library under it (tools/net/ynl/lib) in this
# process, as one client that parses the spec once: a fresh cli.py for
# each request costs seconds in an emulated guest.

import json
import os
import select
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
# The project's helpers in lib/; the kernel's ksft.py is beside the test.
sys.path.insert(0, os.path.join(HERE, "lib"))
from cases import case, expect, run_cases, skip_all  # noqa: E402
from scale import scaled  # noqa: E402
PROJECT = os.environ.get("ZCOPY_PROJECT", os.path.join(HERE, "..", ".."))
KSRC = os.environ.get("ZCOPY_KSRC", "")
CLI = os.path.join(KSRC, "tools", "net", "ynl", "cli.py")
SCHEMA = os.path.join(KSRC, "Documentation", "netlink", "genetlink.yaml")
SPEC = os.path.join(PROJECT, "Documentation", "netlink", "specs", "zcopy.yaml")
HELPER = os.path.join(HERE, "lib", "zc_helper")


def cli(*args):
    # Debian's python3, which has the yaml and jsonschema modules.
    p = subprocess.run(["/usr/bin/python3", CLI, "--spec", SPEC, "--schema",
                        SCHEMA, "--output-json", *args], capture_output=True,
                       text=True, timeout=scaled(120))
    expect(p.returncode == 0, f"cli.py {' '.join(args)}: exit {p.returncode}: "
           f"{p.stdout}{p.stderr}")
    return p.stdout


def family():
    """A client of the kernel's YNL library (what cli.py runs on)."""
    sys.path.insert(0, os.path.dirname(CLI))
    from lib import YnlFamily   # pylint: disable=import-outside-toplevel
    return YnlFamily(SPEC, SCHEMA)


YNL = None


def ynl():
    global YNL  # pylint: disable=global-statement
    if YNL is None:
        YNL = family()
    return YNL


def rejection(op, vals):
    """The error text of a request the module must refuse."""
    try:
        ynl().do(op, vals)
    except Exception as e:      # the library's NlError, with the extack
        return str(e)
    raise AssertionError(f"{op} {vals} accepted")


@case
def spec_lists_every_operation():
    ops = {line.split()[0] for line in cli("--list-ops").splitlines()
           if line.strip()}
    expect({"stats-get", "config-get", "config-set", "context-get",
            "transfer-get"} <= ops, f"ops {ops}")


@case
def stats_get():
    stats = json.loads(cli("--do", "stats-get"))
    expect(set(stats) == {"contexts", "sockets", "transfers", "submitted",
                          "completed", "failed", "cancelled", "bytes-zerocopy",
                          "bytes-copied", "pages", "bytes-inline",
                          "worker-passes", "reads-async", "reads-blocking",
                          "disk-waiting", "read-threads",
                          "bytes-user"}, f"stats {stats}")


@case
def config_get_set():
    cfg = ynl().do("config-get", {})
    expect(set(cfg) == {"max-inflight", "max-pinned", "max-user-sockets",
                        "submit-budget", "deferred-timeout-ms", "copy-mode"},
           f"config {cfg}")
    want = {"max-inflight": 1000, "max-pinned": 1 << 24, "max-user-sockets": 77,
            "submit-budget": 1 << 20, "deferred-timeout-ms": 250, "copy-mode": 1}
    try:
        ynl().do("config-set", want)
        now = ynl().do("config-get", {})
        expect(now == want, f"config {now}")
    finally:
        ynl().do("config-set", cfg)
    now = ynl().do("config-get", {})
    expect(now == cfg, "config not restored")


@case
def config_set_rejections():
    for bad in ({"max-inflight": 0}, {"max-pinned": 1},
                {"max-user-sockets": 0}, {"copy-mode": 2}, {}):
        text = rejection("config-set", bad)
        want = "out of range" if bad else "no configuration attribute given"
        expect(want in text, f"{bad}: {text!r}")


@case
def context_and_transfer_dumps():
    h = subprocess.Popen([HELPER, "hold", "3"], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, text=True)
    try:
        pid = int(h.stdout.readline().split()[1])
        ctxs = ynl().dump("context-get", {})
        mine = [c for c in ctxs if c["pid"] == pid]
        expect(len(mine) == 1 and mine[0]["inflight"] == 3 and
               mine[0]["comm"] == "zc_helper", f"contexts {ctxs}")
        cid = mine[0]["id"]
        xs = ynl().dump("transfer-get", {"context-id": cid})
        expect(len(xs) == 3 and all(x["context-id"] == cid for x in xs) and
               all(x["state"] in ("queued", "sending") for x in xs),
               f"transfers {xs}")
        every = ynl().dump("transfer-get", {})
        expect(len([x for x in every if x["context-id"] == cid]) == 3,
               "unfiltered dump")
    finally:
        h.stdin.close()
        h.wait(timeout=scaled(60))


@case
def events():
    # A listener of its own, subscribed before each kind of event is
    # caused once: nothing can fall outside its window, so the case waits
    # for the two notifications themselves, however slow the machine.
    # (cli.py --subscribe listens for a fixed --sleep instead, which the
    # case's other steps could outlast on a slow guest.)
    cfg = ynl().do("config-get", {})
    listener = family()
    listener.ntf_subscribe("events")
    ynl().do("config-set", cfg)
    subprocess.run([HELPER, "fail"], capture_output=True, timeout=scaled(60))
    deadline = time.monotonic() + scaled(60)
    names = set()
    while not {"transfer-failed", "config-ntf"} <= names:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        select.select([listener.sock], [], [], left)
        listener.check_ntf()
        names = {n["name"] for n in listener.async_msg_queue}
    listener.sock.close()
    ntfs = listener.async_msg_queue
    failed = [n["msg"] for n in ntfs if n["name"] == "transfer-failed"]
    expect(failed, f"no transfer-failed event in {ntfs}")
    expect(all(f["user-data"] == 99 and f["error"] < 0 and
               f["length"] == 4 << 20 for f in failed), f"events {failed}")
    changed = [n["msg"] for n in ntfs if n["name"] == "config-ntf"]
    expect(changed and all(c == cfg for c in changed),
           f"config events {changed}")


def main():
    if not os.path.isfile(CLI):
        return skip_all("no kernel source (ZCOPY_KSRC) with tools/net/ynl")
    return run_cases()


if __name__ == "__main__":
    sys.exit(main())
