# SPDX-License-Identifier: GPL-2.0
#
# The wire topology (tools/testing/vm/run --wire) from Python: a thread
# in one of its network namespaces, and a receiver in wire1 hashing what
# one connection brings.  For integrity_test.py and the harness's
# tools/testing/vm/wire_topology_test.py.

import ctypes
import hashlib
import os
import socket
import struct
import threading

from scale import scaled

CLONE_NEWNET = 0x40000000
libc = ctypes.CDLL(None, use_errno=True)


def setns(name):
    fd = os.open(f"/run/netns/{name}", os.O_RDONLY)
    try:
        # Per thread: each side of the transfer lives in its namespace.
        if libc.setns(fd, CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), f"setns {name}")
    finally:
        os.close(fd)


# Kernel TLS 1.3, AES-GCM-128, with the keys of zc_ktls_set() (zc_util.h).
SOL_TLS, TLS_RX, TCP_ULP = 282, 2, 31
KTLS_KEYS = struct.pack("<HH8s16s4s8s", 0x0304, 51, b"\x1a" * 8, b"\x4b" * 16,
                        b"\x5a" * 4, b"\0" * 8)


def receiver(family, addr, port, ktls=False):
    """A thread in wire1 taking one connection on (addr, port) and hashing
    it to EOF into result["hash"] (with ktls, what kernel TLS decrypts
    of it); returns (thread, result) once it listens."""
    result = {}
    ready = threading.Event()

    def receive():
        setns("wire1")
        with socket.socket(family, socket.SOCK_STREAM) as ls:
            ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            ls.bind((addr, port))
            ls.listen(1)
            ready.set()
            ls.settimeout(scaled(300))
            conn, _ = ls.accept()
            if ktls:
                conn.setsockopt(socket.IPPROTO_TCP, TCP_ULP, b"tls")
                conn.setsockopt(SOL_TLS, TLS_RX, KTLS_KEYS)
            h = hashlib.sha256()
            with conn:
                while chunk := conn.recv(1 << 16):
                    h.update(chunk)
            result["hash"] = h.hexdigest()

    t = threading.Thread(target=receive)
    t.start()
    ready.wait(scaled(10))
    return t, result
