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

# The selftests' TAP helpers (selftests/zcopy/ktap.py) and the wire
# topology's (selftests/zcopy/lib/wire.py).
SELFTESTS = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                         "..", "..", "..", "selftests", "zcopy")
sys.path[:0] = [SELFTESTS, os.path.join(SELFTESTS, "lib")]
from ktap import scaled  # noqa: E402
from wire import receiver, setns  # noqa: E402

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
        print("1..0 # SKIP no wire topology (tools/testing/vm/run --wire)")
        return 0
    want = hashlib.sha256(PAYLOAD).hexdigest()
    cases = [("IPv4", socket.AF_INET, "198.18.0.1", "198.18.0.2"),
             ("IPv6", socket.AF_INET6, "2001:db8::1", "2001:db8::2")]
    print("TAP version 13")
    print(f"1..{len(cases)}")
    failed = 0
    for n, (name, family, src, dst) in enumerate(cases, 1):
        before = tx_bytes("wire0", "wire0")
        got, sent = transfer(family, src, dst)
        nic = tx_bytes("wire0", "wire0") - before
        ok = sent and got == want and nic >= len(PAYLOAD)
        print(f"# {name}: sent={sent} hash_match={got == want} "
              f"nic_tx_bytes={nic} payload={len(PAYLOAD)}")
        print(f"{'ok' if ok else 'not ok'} {n} TCP over {name} crosses the wire intact")
        failed |= not ok
    return failed


if __name__ == "__main__":
    sys.exit(main())
