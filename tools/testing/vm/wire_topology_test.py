#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# The VM's wire topology carries TCP over IPv4 and IPv6 intact, through
# the virtio NICs: one namespace sends, the other receives and hashes, and
# the sender's NIC counters account for every byte.

import hashlib
import os
import socket
import subprocess
import sys
import threading

# The selftests' helpers: the kernel's ksft.py (copied beside them by
# their Makefile), and in their lib/ the time limits and the wire topology.
SELFTESTS = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                         "..", "..", "..", "selftests", "zcopy")
sys.path[:0] = [SELFTESTS, os.path.join(SELFTESTS, "lib")]
import ksft  # noqa: E402
from cases import skip_all  # noqa: E402
from scale import scaled  # noqa: E402
from topology import receiver, setns  # noqa: E402

PAYLOAD = os.urandom(4 << 20)
PORT = 20000


def tx_bytes(ns, dev):
    out = subprocess.run(["ip", "netns", "exec", ns, "cat",
                          f"/sys/class/net/{dev}/statistics/tx_bytes"],
                         check=True, capture_output=True, text=True)
    return int(out.stdout)


def transfer(family, src, dst):
    """Send PAYLOAD from namespace wire0 to wire1; return the receiver's hash."""
    t, result = receiver(family, dst, PORT)
    sent = {}

    def send():
        setns("wire0")
        with socket.create_connection((dst, PORT), timeout=scaled(60),
                                      source_address=(src, 0)) as s:
            s.sendall(PAYLOAD)
        sent["ok"] = True

    s = threading.Thread(target=send)
    s.start()
    s.join(scaled(120))
    t.join(scaled(120))
    return result.get("hash"), sent.get("ok", False)


def main():
    if not os.path.exists("/run/netns/wire0"):
        return skip_all("no wire topology (tools/testing/vm/run --wire)")
    want = hashlib.sha256(PAYLOAD).hexdigest()
    cases = [("IPv4", socket.AF_INET, "198.18.0.1", "198.18.0.2"),
             ("IPv6", socket.AF_INET6, "2001:db8::1", "2001:db8::2")]
    ksft.print_header()
    ksft.set_plan(len(cases))
    for name, family, src, dst in cases:
        before = tx_bytes("wire0", "wire0")
        got, sent = transfer(family, src, dst)
        nic = tx_bytes("wire0", "wire0") - before
        ok = sent and got == want and nic >= len(PAYLOAD)
        ksft.print_msg(f"{name}: sent={sent} hash_match={got == want} "
                       f"nic_tx_bytes={nic} payload={len(PAYLOAD)}")
        ksft.test_result(ok, f"TCP over {name} crosses the wire intact")
        sys.stdout.flush()
    ksft.finished()


if __name__ == "__main__":
    sys.exit(main())
