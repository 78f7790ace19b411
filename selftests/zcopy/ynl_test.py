#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# The kernel's own YNL client (tools/net/ynl/cli.py from the kernel
# source), driven only by Documentation/netlink/specs/zcopy.yaml, runs
# every operation of the family against the loaded module: the spec and
# the module agree, with no project code in between.

import json
import os
import subprocess
import sys

from ktap import case, expect, run_cases, skip_all

HERE = os.path.dirname(os.path.abspath(__file__))
PROJECT = os.environ.get("ZCOPY_PROJECT", os.path.join(HERE, "..", ".."))
KSRC = os.environ.get("ZCOPY_KSRC", "")
CLI = os.path.join(KSRC, "tools", "net", "ynl", "cli.py")
SCHEMA = os.path.join(KSRC, "Documentation", "netlink", "genetlink.yaml")
SPEC = os.path.join(PROJECT, "Documentation", "netlink", "specs", "zcopy.yaml")
HELPER = os.path.join(HERE, "zc_helper")


def cli_argv(*args):
    # Debian's python3, which has the yaml and jsonschema modules.
    return ["/usr/bin/python3", CLI, "--spec", SPEC, "--schema", SCHEMA,
            "--output-json", *args]


def ynl(*args, check=True):
    p = subprocess.run(cli_argv(*args), capture_output=True, text=True,
                       timeout=120)
    if check and p.returncode != 0:
        raise AssertionError(f"cli.py {' '.join(args)}: exit {p.returncode}: "
                             f"{p.stdout}{p.stderr}")
    return p


def outputs(p):
    return [json.loads(line) for line in p.stdout.splitlines() if line.strip()]


@case
def spec_lists_every_operation():
    p = subprocess.run(["/usr/bin/python3", CLI, "--spec", SPEC, "--schema",
                        SCHEMA, "--list-ops"], capture_output=True, text=True,
                       check=True, timeout=120)
    ops = {line.split()[0] for line in p.stdout.splitlines() if line.strip()}
    expect({"stats-get", "config-get", "config-set", "context-get",
            "transfer-get"} <= ops, f"ops {ops}")


@case
def stats_get():
    (stats,) = outputs(ynl("--do", "stats-get"))
    expect(set(stats) == {"contexts", "sockets", "transfers", "submitted",
                          "completed", "failed", "cancelled", "bytes-zerocopy",
                          "bytes-copied", "pages", "bytes-inline",
                          "worker-passes", "reads-async", "reads-blocking",
                          "disk-waiting", "read-threads"}, f"stats {stats}")


@case
def config_get_set():
    (cfg,) = outputs(ynl("--do", "config-get"))
    expect(set(cfg) == {"max-inflight", "max-pinned", "max-user-sockets"},
           f"config {cfg}")
    want = {"max-inflight": 1000, "max-pinned": 1 << 24, "max-user-sockets": 77}
    try:
        ynl("--do", "config-set", "--json", json.dumps(want))
        (now,) = outputs(ynl("--do", "config-get"))
        expect(now == want, f"config {now}")
    finally:
        ynl("--do", "config-set", "--json", json.dumps(cfg))
    (now,) = outputs(ynl("--do", "config-get"))
    expect(now == cfg, "config not restored")


@case
def config_set_rejections():
    for bad in ({"max-inflight": 0}, {"max-pinned": 1},
                {"max-user-sockets": 0}, {}):
        p = ynl("--do", "config-set", "--json", json.dumps(bad), check=False)
        expect(p.returncode != 0, f"{bad} accepted")
        text = p.stdout + p.stderr
        want = "out of range" if bad else "no configuration attribute given"
        expect(want in text, f"{bad}: {text!r}")


@case
def context_and_transfer_dumps():
    h = subprocess.Popen([HELPER, "hold", "3"], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, text=True)
    try:
        pid = int(h.stdout.readline().split()[1])
        (ctxs,) = outputs(ynl("--dump", "context-get"))
        mine = [c for c in ctxs if c["pid"] == pid]
        expect(len(mine) == 1 and mine[0]["inflight"] == 3 and
               mine[0]["comm"] == "zc_helper", f"contexts {ctxs}")
        cid = mine[0]["id"]
        (xs,) = outputs(ynl("--dump", "transfer-get", "--json",
                            json.dumps({"context-id": cid})))
        expect(len(xs) == 3 and all(x["context-id"] == cid for x in xs) and
               all(x["state"] in ("queued", "sending") for x in xs),
               f"transfers {xs}")
        (every,) = outputs(ynl("--dump", "transfer-get"))
        expect(len([x for x in every if x["context-id"] == cid]) == 3,
               "unfiltered dump")
    finally:
        h.stdin.close()
        h.wait(timeout=60)


@case
def events():
    # cli.py subscribes, sleeps, then reads what arrived meanwhile.  Cause
    # both kinds of event until it has woken up, so that some are sure to
    # land after the subscription: each round a quick configuration change
    # on both sides of the slow failing transfer (seconds on the debug
    # kernel), and a sleep long enough for several rounds.  (No --do with
    # it: cli.py cannot take a notification on the socket it is waiting for
    # a reply on.)
    (cfg,) = outputs(ynl("--do", "config-get"))
    p = subprocess.Popen(cli_argv("--subscribe", "events", "--sleep", "15"),
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True)
    while p.poll() is None:
        ynl("--do", "config-set", "--json", json.dumps(cfg))
        subprocess.run([HELPER, "fail"], capture_output=True, timeout=60)
        ynl("--do", "config-set", "--json", json.dumps(cfg))
    out, err = p.communicate()
    expect(p.returncode == 0, f"cli.py: {err}")
    ntfs = [json.loads(line) for line in out.splitlines()][-1]
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
