#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# Page-cache integrity on paths that rewrite packets in place.  zcopy
# hands the file's page-cache pages to the stack as skb frags; a path
# that encrypts (IPsec ESP in transport mode) or clones and rewrites
# (an nftables dup rule) a packet in place must copy those frags first.
# For each path, a file on the scratch filesystem crosses the wire
# topology with zcopy (wire0 to wire1), and then the receiver's bytes,
# the file as the page cache holds it, and the file as the disk holds it
# (after drop_caches) must all be the bytes the file was written with.
# The same through kernel TLS (the file's pages in the TLS layer's
# records, decrypted by the receiver), and in copy mode (zcctl config set
# copy-mode on: no page-cache page handed to the stack at all).

import hashlib
import os
import re
import socket
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
# The project's helpers in lib/; the kernel's ksft.py is beside the test.
sys.path.insert(0, os.path.join(HERE, "lib"))
import ksft  # noqa: E402
from cases import skip_all  # noqa: E402
from scale import scaled  # noqa: E402
from topology import receiver  # noqa: E402

SEND = os.path.join(HERE, "lib", "zcopy_send")
HELPER = os.path.join(HERE, "lib", "zc_helper")
PROJECT = os.environ.get("ZCOPY_PROJECT", os.path.join(HERE, "..", ".."))
ZCCTL = os.path.join(PROJECT, "tools", "zcctl", "zcctl")
SIZE = 2 << 20    # 512 pages, in many packets of many frags
PORT = 20100
A4, B4 = "198.18.0.1", "198.18.0.2"
A6, B6 = "2001:db8::1", "2001:db8::2"
KEY = "0x" + "5a" * 20      # rfc4106(gcm(aes)): 16 key bytes and 4 of salt


def sh(*argv, check=True):
    p = subprocess.run(argv, capture_output=True, text=True)
    if check and p.returncode:
        raise AssertionError(f"{' '.join(argv)}: {p.stderr.strip()}")
    return p


def file_hash(path, drop=False):
    if drop:
        os.sync()
        with open("/proc/sys/vm/drop_caches", "w") as f:
            f.write("3")
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def send_over_wire(path, family, dst, ktls=False):
    """zcopy_send in wire0 to a receiver in wire1 (with ktls, zc_helper
    through kernel TLS); the receiver's hash."""
    t, result = receiver(family, dst, PORT, ktls)
    argv = [HELPER, "ktls-send"] if ktls else [SEND]
    p = subprocess.run(["ip", "netns", "exec", "wire0", *argv, dst, str(PORT), path],
                       capture_output=True, text=True, timeout=scaled(300))
    t.join(scaled(300))
    if p.returncode:
        raise AssertionError(f"zcopy_send: {p.stderr.strip()}")
    return result.get("hash")


def esp(add, a, b):
    """ESP in transport mode between a (wire0) and b (wire1), or undo it."""
    for ns, here, there in (("wire0", a, b), ("wire1", b, a)):
        if not add:
            sh("ip", "-n", ns, "xfrm", "policy", "flush", check=False)
            sh("ip", "-n", ns, "xfrm", "state", "flush", check=False)
            continue
        for src, dst, spi in ((a, b, "0x1001"), (b, a, "0x1002")):
            sh("ip", "-n", ns, "xfrm", "state", "add", "src", src, "dst", dst,
               "proto", "esp", "spi", spi, "reqid", "1", "mode", "transport",
               "aead", "rfc4106(gcm(aes))", KEY, "128")
        for src, dst, d in ((here, there, "out"), (there, here, "in")):
            sh("ip", "-n", ns, "xfrm", "policy", "add", "src", src, "dst", dst,
               "dir", d, "tmpl", "proto", "esp", "reqid", "1", "mode", "transport")


def esp_bytes():
    out = sh("ip", "-n", "wire0", "-s", "xfrm", "state").stdout
    return sum(int(n) for n in re.findall(r"(\d+)\(bytes\)", out))


def nft_dup(add, dst):
    """Every segment to dst also duplicated, by wire0's output hook."""
    fam = "ip" if ":" not in dst else "ip6"
    if not add:
        sh("ip", "netns", "exec", "wire0", "nft", "delete", "table", fam,
           "zcopy_dup", check=False)
        return
    rules = (f"add table {fam} zcopy_dup\n"
             f"add chain {fam} zcopy_dup out {{ type filter hook output priority 0; }}\n"
             f"add rule {fam} zcopy_dup out {fam} daddr {dst} tcp dport {PORT} dup to {dst}\n")
    p = subprocess.run(["ip", "netns", "exec", "wire0", "nft", "-f", "-"],
                       input=rules, capture_output=True, text=True)
    if p.returncode:
        raise AssertionError(f"nft: {p.stderr.strip()}")


def copy_mode(on):
    sh(ZCCTL, "config", "set", "copy-mode", "on" if on else "off")


def check(name, path, want, family, dst, setup, teardown, proof=None):
    ktls, copy = "ktls" in name, name.endswith("_copy")
    if ktls:
        subprocess.run(["modprobe", "-q", "tls"], capture_output=True)
    setup()
    try:
        if copy:
            copy_mode(True)
        before = proof() if proof else 0
        got = send_over_wire(path, family, dst, ktls)
        moved = proof() - before if proof else None
    finally:
        if copy:
            copy_mode(False)
        teardown()
    cached, disk = file_hash(path), file_hash(path, drop=True)
    ok = got == want and cached == want and disk == want and \
        (moved is None or moved >= SIZE)
    ksft.print_msg(f"{name}: receiver {got == want}, page cache {cached == want}, "
                   f"disk {disk == want}" + (f", ESP bytes {moved}" if proof else ""))
    return ok


def main():
    if not os.path.exists("/run/netns/wire0"):
        return skip_all("no wire topology (tools/testing/vm/run --wire)")
    scratch = os.environ.get("ZCOPY_SCRATCH")
    if not scratch:
        return skip_all("ZCOPY_SCRATCH (a disk-backed directory) not set")
    path = os.path.join(scratch, "zcopy-integrity")
    data = os.urandom(SIZE)
    with open(path, "wb") as f:
        f.write(data)
    want = hashlib.sha256(data).hexdigest()
    cases = [
        ("esp_transport_ipv4", socket.AF_INET, B4,
         lambda: esp(True, A4, B4), lambda: esp(False, A4, B4), esp_bytes),
        ("esp_transport_ipv6", socket.AF_INET6, B6,
         lambda: esp(True, A6, B6), lambda: esp(False, A6, B6), esp_bytes),
        ("nft_dup_ipv4", socket.AF_INET, B4,
         lambda: nft_dup(True, B4), lambda: nft_dup(False, B4), None),
        ("nft_dup_ipv6", socket.AF_INET6, B6,
         lambda: nft_dup(True, B6), lambda: nft_dup(False, B6), None),
        ("ktls_esp_transport_ipv4", socket.AF_INET, B4,
         lambda: esp(True, A4, B4), lambda: esp(False, A4, B4), esp_bytes),
        ("ktls_nft_dup_ipv6", socket.AF_INET6, B6,
         lambda: nft_dup(True, B6), lambda: nft_dup(False, B6), None),
        ("esp_transport_ipv4_copy", socket.AF_INET, B4,
         lambda: esp(True, A4, B4), lambda: esp(False, A4, B4), esp_bytes),
        ("nft_dup_ipv4_copy", socket.AF_INET, B4,
         lambda: nft_dup(True, B4), lambda: nft_dup(False, B4), None),
        ("ktls_esp_transport_ipv6_copy", socket.AF_INET6, B6,
         lambda: esp(True, A6, B6), lambda: esp(False, A6, B6), esp_bytes),
    ]
    ksft.print_header()
    ksft.set_plan(len(cases))
    for name, family, dst, setup, teardown, proof in cases:
        try:
            ok = check(name, path, want, family, dst, setup, teardown, proof)
        except Exception as e:      # this case's failure, not the run's
            ksft.print_msg(f"{name}: {e}")
            ok = False
        ksft.test_result(ok, name)
        sys.stdout.flush()
    os.unlink(path)
    ksft.finished()


if __name__ == "__main__":
    sys.exit(main())
