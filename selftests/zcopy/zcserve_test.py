#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# zcserve, the benchmark's HTTP server, in each of its modes (copy,
# sendfile, zcopy): curl gets whole files and ranges back byte for byte
# with the right headers, several ranges as multipart/byteranges, and
# with --chunk bodies in chunked transfer coding, framed exactly;
# connections are kept alive and pipelined requests answered in order,
# HEAD sends no body, and bad requests get 400/403/404/405/416/431
# without a byte from outside the served tree.  Over HTTPS (OpenSSL's
# handshake, then kernel TLS for everything sent), TLS 1.3 and 1.2: curl,
# openssl s_client and Python's ssl module get the same bytes back, kept
# alive and pipelined, and the connection ends with close_notify.

import atexit
import email.utils
import os
import random
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
# The project's helpers in lib/; the kernel's ksft.py is beside the test.
sys.path.insert(0, os.path.join(HERE, "lib"))
from cases import Skip, case, expect, run_cases, skip_all  # noqa: E402
from http_check import Raw, TlsRaw, curl, head_fields, multipart, tls_material  # noqa: E402
from scale import scaled  # noqa: E402
PROJECT = os.environ.get("ZCOPY_PROJECT", os.path.join(HERE, "..", ".."))
ZCSERVE = os.path.join(PROJECT, "tools", "zcserve", "zcserve")
MODES = ("copy", "sendfile", "zcopy")
BIG = (1 << 20) + 7		# not a multiple of a page


class Server:
    def __init__(self, mode, root, port, extra=()):
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.p = subprocess.Popen([ZCSERVE, "--mode", mode, "--port", str(port),
                                   *extra, root],
                                  stderr=subprocess.PIPE, text=True)
        for _ in range(int(scaled(100))):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                return
            except OSError:
                if self.p.poll() is not None:
                    raise AssertionError(f"zcserve --mode {mode} exited: "
                                         f"{self.p.stderr.read().strip()}")
                time.sleep(0.1)
        raise AssertionError(f"zcserve --mode {mode} does not listen")

    def stop(self):
        if self.p.poll() is None:
            self.p.terminate()
            self.p.wait(timeout=scaled(30))


def make_tree():
    top = tempfile.mkdtemp(dir=os.environ.get("ZCOPY_SCRATCH"))
    root = os.path.join(top, "www")
    os.makedirs(os.path.join(root, "sub"))
    rnd = random.Random(7)
    files = {
        "big.bin": rnd.randbytes(BIG),
        "index.html": b"<p>zcserve</p>\n",
        "sub/a b.txt": b"spaced name\n",
        "empty.txt": b"",
    }
    for name, data in files.items():
        with open(os.path.join(root, name), "wb") as f:
            f.write(data)
    with open(os.path.join(top, "secret.txt"), "wb") as f:
        f.write(b"outside the served tree\n")
    os.symlink("../secret.txt", os.path.join(root, "link.txt"))
    return top, root, files


def add_cases(mode, port):
    state = {}

    def setup():
        """The tree and the server, made by whichever case comes first."""
        if "srv" not in state:
            state["top"], state["root"], state["files"] = make_tree()
            atexit.register(shutil.rmtree, state["top"], True)
            state["srv"] = Server(mode, state["root"], port)
            atexit.register(state["srv"].stop)

    def whole_files():
        setup()
        srv, files = state["srv"], state["files"]
        for name, data in files.items():
            p = curl("-D", "-", "-o", "body", "--output-dir", state["top"],
                     srv.url + "/" + name.replace(" ", "%20"))
            status, f = head_fields(p.stdout.split(b"\r\n\r\n")[0])
            with open(os.path.join(state["top"], "body"), "rb") as b:
                got = b.read()
            expect(status == 200, f"{name}: status {status}")
            expect(got == data, f"{name}: {len(got)} bytes differ from the file's {len(data)}")
            expect(int(f["content-length"]) == len(data), f"{name}: Content-Length {f}")
            mtime = os.stat(os.path.join(state["root"], name)).st_mtime
            expect(f["last-modified"] == email.utils.formatdate(int(mtime), usegmt=True),
                   f"{name}: Last-Modified {f.get('last-modified')}")
        p = curl("-D", "-", "-o", "/dev/null", srv.url + "/")
        expect(b"text/html" in p.stdout, "/ is not index.html as text/html")
        p = curl("-D", "-", "-o", "/dev/null", srv.url + "/big.bin")
        expect(b"application/octet-stream" in p.stdout, "big.bin's Content-Type")

    def ranges():
        setup()
        srv, data = state["srv"], state["files"]["big.bin"]
        for spec, lo, hi in (("0-0", 0, 0), ("100-199", 100, 199),
                             ("4095-4097", 4095, 4097), (f"{BIG - 10}-", BIG - 10, BIG - 1),
                             ("-500", BIG - 500, BIG - 1), (f"1000-{BIG + 99}", 1000, BIG - 1)):
            p = curl("-D", "-", "-r", spec, srv.url + "/big.bin")
            head, body = p.stdout.split(b"\r\n\r\n", 1)
            status, f = head_fields(head)
            expect(status == 206, f"range {spec}: status {status}")
            expect(body == data[lo:hi + 1], f"range {spec}: wrong bytes")
            expect(f["content-range"] == f"bytes {lo}-{hi}/{BIG}",
                   f"range {spec}: Content-Range {f.get('content-range')}")
        p = curl("-D", "-", "-o", "/dev/null", "-r", f"{BIG}-", srv.url + "/big.bin")
        status, f = head_fields(p.stdout.split(b"\r\n\r\n")[0])
        expect(status == 416 and f.get("content-range") == f"bytes */{BIG}",
               f"past the end: {status} {f}")
        # Several: multipart/byteranges, each part with its Content-Range;
        # unsatisfiable ones left out; too many, the whole file.
        long16 = tuple((1000000 + i * 3000, 1000000 + i * 3000 + 99) for i in range(16))
        for spec, want in (("0-9,100-109,-5", ((0, 9), (100, 109), (BIG - 5, BIG - 1))),
                           (f"4090-5000,{BIG}-,0-0", ((4090, 5000), (0, 0))),
                           ("0-1,,5-6,", ((0, 1), (5, 6))),
                           # Longer than any other field the server keeps.
                           (",".join(f"{lo}-{hi}" for lo, hi in long16), long16)):
            p = curl("-D", "-", "-r", spec, srv.url + "/big.bin")
            head, body = p.stdout.split(b"\r\n\r\n", 1)
            status, f = head_fields(head)
            expect(status == 206 and "content-range" not in f, f"{spec}: {status} {f}")
            expect(int(f["content-length"]) == len(body), f"{spec}: Content-Length")
            got = multipart(f, body)
            expect([r for r, _ in got] == [f"bytes {lo}-{hi}/{BIG}" for lo, hi in want],
                   f"{spec}: parts {[r for r, _ in got]}")
            expect([d for _, d in got] == [data[lo:hi + 1] for lo, hi in want],
                   f"{spec}: wrong bytes in a part")
        p = curl("-D", "-", "-r", f"0-1,{BIG}-", srv.url + "/big.bin")
        head, body = p.stdout.split(b"\r\n\r\n", 1)
        status, f = head_fields(head)
        expect(status == 206 and f.get("content-range") == f"bytes 0-1/{BIG}" and
               body == data[:2], f"one satisfiable range of two: {status} {f}")
        p = curl("-r", ",".join(f"{i}-{i}" for i in range(17)), srv.url + "/big.bin")
        expect(p.stdout == data, "17 ranges did not get the whole file")
        # Overlapping ranges, and a second Range field: the whole file.
        p = curl("-D", "-", "-r", "0-,1-", srv.url + "/big.bin")
        head, body = p.stdout.split(b"\r\n\r\n", 1)
        expect(head_fields(head)[0] == 200 and body == data, "overlapping ranges")
        c = Raw(srv.port)
        c.send(b"GET /big.bin HTTP/1.1\r\nRange: bytes=0-1,2-3\r\n"
               b"Range: bytes=10-11\r\n\r\n")
        st, f, body = c.response()
        expect(st == 200 and body == data, f"two Range fields: {st}")

    def keep_alive_and_pipelining():
        setup()
        srv, files = state["srv"], state["files"]
        p = curl("-v", "-o", "/dev/null", "-o", "/dev/null", srv.url + "/index.html",
                 srv.url + "/big.bin")
        expect(b"Re-using existing connection" in p.stderr, "curl's second request used a new connection")
        c = Raw(srv.port)
        c.send(b"GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n"
               b"HEAD /index.html HTTP/1.1\r\nHost: x\r\n\r\n"
               b"GET /index.html HTTP/1.1\r\nHost: x\r\n\r\n"
               b"GET /sub/a%20b.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        st, f, body = c.response()
        expect(st == 200 and body == files["big.bin"], "pipelined 1st: big.bin")
        st, f, body = c.response(head_only=True)
        expect(st == 200 and int(f["content-length"]) == len(files["index.html"]),
               "pipelined 2nd: HEAD")
        st, f, body = c.response()
        expect(st == 200 and body == files["index.html"], "pipelined 3rd: HEAD sent a body")
        st, f, body = c.response()
        expect(st == 200 and body == files["sub/a b.txt"], "pipelined 4th")
        expect(f.get("connection") == "close" and c.closed(),
               "Connection: close was not honoured")
        c = Raw(srv.port)
        c.send(b"GET /index.html HTTP/1.0\r\n\r\n")
        c.response()
        expect(c.closed(), "an HTTP/1.0 connection was kept open")

    def errors():
        setup()
        srv = state["srv"]
        for path, want in (("/missing", 404), ("/../secret.txt", 403),
                           ("/%2e%2e/secret.txt", 403), ("/sub/../../secret.txt", 403),
                           ("/link.txt", 403), ("/%00", 400)):
            p = curl("--path-as-is", "-D", "-", srv.url + path)
            status, _ = head_fields(p.stdout.split(b"\r\n\r\n")[0])
            expect(status == want, f"{path}: {status}, want {want}")
            expect(b"outside the served tree" not in p.stdout, f"{path} leaked the file")
        p = curl("-D", "-", "-X", "POST", srv.url + "/index.html")
        status, f = head_fields(p.stdout.split(b"\r\n\r\n")[0])
        expect(status == 405 and f.get("allow") == "GET, HEAD", f"POST: {status} {f}")
        for raw, want in ((b"GARBAGE\r\n\r\n", 400),
                          (b"GET /index.html HTTP/1.1\r\nX: " + b"y" * 9000 + b"\r\n\r\n", 431),
                          (b"GET /index.html HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello", 400)):
            c = Raw(srv.port)
            c.send(raw)
            status, _, _ = c.response()
            expect(status == want, f"{raw[:20]!r}...: {status}, want {want}")
            expect(c.closed(), f"{raw[:20]!r}...: connection left open after {status}")

    def concurrent_clients():
        setup()
        srv, data = state["srv"], state["files"]["big.bin"]
        outs = [os.path.join(state["top"], f"par{i}") for i in range(24)]
        args = ["-Z", "--parallel-max", "24"]
        for o in outs:
            args += ["-o", o, srv.url + "/big.bin"]
        curl(*args)
        for o in outs:
            with open(o, "rb") as f:
                expect(f.read() == data, f"{o}: differs")

    def chunked():
        """--chunk 16384: HTTP/1.1 responses of whole files in chunks of
        that size, the last chunk empty; HTTP/1.0, HEAD and ranges as
        before; pipelined ones in order."""
        setup()
        files = state["files"]
        srv = Server(mode, state["root"], port + 10, ("--chunk", "16384"))
        atexit.register(srv.stop)
        c = Raw(srv.port)
        c.send(b"GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n"
               b"HEAD /big.bin HTTP/1.1\r\nHost: x\r\n\r\n"
               b"GET /index.html HTTP/1.1\r\nHost: x\r\n\r\n"
               b"GET /empty.txt HTTP/1.1\r\nHost: x\r\n\r\n"
               b"GET /big.bin HTTP/1.1\r\nHost: x\r\nRange: bytes=5-9\r\n\r\n")
        st, f, body = c.response()
        expect(st == 200 and "content-length" not in f and body == files["big.bin"],
               f"chunked big.bin: {st} {len(body)} bytes")
        expect(f["chunks"] == [16384] * (BIG // 16384) + [BIG % 16384, 0],
               f"chunk sizes {f['chunks'][:3]}...{f['chunks'][-3:]}")
        st, f, _ = c.response(head_only=True)
        expect(st == 200 and f.get("transfer-encoding") == "chunked", f"HEAD: {f}")
        st, f, body = c.response()
        expect(body == files["index.html"] and f["chunks"] == [len(body), 0],
               f"index.html: {f.get('chunks')}")
        st, f, body = c.response()
        expect(body == b"" and f.get("content-length") == "0", f"empty.txt: {f}")
        st, f, body = c.response()
        expect(st == 206 and body == files["big.bin"][5:10], f"a range: {st} {f}")
        p = curl("-s", srv.url + "/big.bin")
        expect(p.stdout == files["big.bin"], "curl's decoding of big.bin")
        c = Raw(srv.port)
        c.send(b"GET /index.html HTTP/1.0\r\n\r\n")
        st, f, body = c.response()
        expect(f.get("content-length") == str(len(body)) and
               body == files["index.html"], f"HTTP/1.0: {f}")
        srv.stop()
        # A file that would need more than 128 chunks gets larger ones.
        srv = Server(mode, state["root"], port + 20, ("--chunk", "1000"))
        atexit.register(srv.stop)
        c = Raw(srv.port)
        c.send(b"GET /big.bin HTTP/1.1\r\n\r\n")
        st, f, body = c.response()
        size = BIG // 128 + 1
        expect(body == files["big.bin"] and
               f["chunks"] == [size] * (BIG // size) + [BIG % size, 0],
               f"--chunk 1000: {len(f['chunks'])} chunks of {f['chunks'][0]}")
        srv.stop()

    for fn in (whole_files, ranges, keep_alive_and_pipelining, errors, concurrent_clients,
               chunked):
        fn.__name__ = f"{mode}_{fn.__name__}"
        case(fn)


def add_https_cases(mode, port):
    state = {}

    def setup():
        if "srv" in state:
            return
        state["top"], state["root"], state["files"] = make_tree()
        atexit.register(shutil.rmtree, state["top"], True)
        cert, key = tls_material(state["top"])
        try:
            state["srv"] = Server(mode, state["root"], port,
                                  ("--tls-cert", cert, "--tls-key", key))
        except AssertionError as e:
            if "tls module is not loaded" in str(e):
                raise Skip("no kernel TLS: the tls module is not loaded")
            raise
        atexit.register(state["srv"].stop)
        state["url"] = f"https://127.0.0.1:{port}"

    def https():
        setup()
        files, url = state["files"], state["url"]
        big = files["big.bin"]
        for ver, flags in ((ssl.TLSVersion.TLSv1_3, ["--tlsv1.3"]),
                           (ssl.TLSVersion.TLSv1_2, ["--tlsv1.2", "--tls-max", "1.2"])):
            for name, data in files.items():
                p = curl("-k", *flags, url + "/" + name.replace(" ", "%20"))
                expect(p.stdout == data, f"{ver.name} {name}: {len(p.stdout)} bytes "
                       f"differ from the file's {len(data)}")
            # Two requests, one connection.
            out = os.path.join(state["top"], "second")
            p = curl("-k", *flags, "-w", "%{num_connects}", "-o", "/dev/null",
                     url + "/big.bin", "-o", out, url + "/big.bin")
            with open(out, "rb") as f:
                expect(f.read() == big, f"{ver.name}: the kept-alive response")
            expect(p.stdout == b"10", f"{ver.name}: connections made {p.stdout}")
            # Pipelined, then closed by the server with close_notify.
            c = TlsRaw(state["srv"].port, ver)
            c.send(b"GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n"
                   b"HEAD /index.html HTTP/1.1\r\nHost: x\r\n\r\n"
                   b"GET /big.bin HTTP/1.1\r\nRange: bytes=4095-70000\r\n"
                   b"Connection: close\r\n\r\n")
            st, _, body = c.response()
            expect(st == 200 and body == big, f"{ver.name}: pipelined GET {st}")
            st, f, _ = c.response(head_only=True)
            expect(st == 200 and f["content-length"] == str(len(files["index.html"])),
                   f"{ver.name}: pipelined HEAD {st} {f}")
            st, _, body = c.response()
            expect(st == 206 and body == big[4095:70001], f"{ver.name}: a range {st}")
            expect(c.closed(), f"{ver.name}: still open after Connection: close")
        # openssl's own client.
        p = subprocess.run(["openssl", "s_client", "-quiet", "-connect",
                            f"127.0.0.1:{port}"],
                           input=b"GET /big.bin HTTP/1.1\r\nHost: x\r\n"
                                 b"Connection: close\r\n\r\n",
                           capture_output=True, timeout=scaled(60))
        head, _, body = p.stdout.partition(b"\r\n\r\n")
        expect(head.startswith(b"HTTP/1.1 200") and body == big,
               f"openssl s_client: {head[:40]!r}, {len(body)} bytes")

    https.__name__ = f"{mode}_https"
    case(https)


if __name__ == "__main__":
    if not os.access(ZCSERVE, os.X_OK):
        sys.exit(skip_all(f"{ZCSERVE} not built (make zcserve)"))
    for i, m in enumerate(MODES):
        add_cases(m, 18080 + i)
    for i, m in enumerate(MODES):
        add_https_cases(m, 18443 + i)
    sys.exit(run_cases())
