#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# nginx with ngx_http_zcopy_module (tools/nginx, make nginx-module): a
# tree of files (empty, 1 byte, 4 KiB, 1 MiB, 64 MiB, sparse, cold) comes
# back byte for byte through GET, HEAD, single and multipart ranges,
# keep-alive and pipelining, with 304 and 404 (an error page) right, and
# through the device (its counters move); limit_rate holds, gzip's body
# goes nginx's way, release and drop-behind leave a large file uncached;
# kernel TLS connections use the device and other TLS connections and a
# missing /dev/zcopy fall back with one notice; send_timeout ends a
# stalled transfer, aborted clients and a killed worker leave nothing
# behind, a reload and a graceful quit lose no response in flight, and
# wrk sees only 200s across a reload.  Afterwards the module holds no
# transfer and no socket, and nginx's error log has no alert.

import atexit
import email.utils
import hashlib
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "lib"))
from cases import Skip, case, expect, run_cases, skip_all  # noqa: E402
from http_check import Raw, curl, multipart, tls_material  # noqa: E402
from scale import scaled  # noqa: E402
PROJECT = os.environ.get("ZCOPY_PROJECT", os.path.join(HERE, "..", ".."))
MODULE = os.environ.get("ZCOPY_NGINX_MODULE") or \
    os.path.join(PROJECT, "build", "nginx", "ngx_http_zcopy_module.so")
ZCCTL = os.path.join(PROJECT, "tools", "zcctl", "zcctl")
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
PORT, KTLS_PORT, TLS_PORT = 18180, 18543, 18544
MIB = 1 << 20
SIZES = {"empty": 0, "one": 1, "4k": 4096, "1m": MIB + 3, "64m": 64 * MIB}

state = {}


def stats():
    p = subprocess.run([ZCCTL, "-j", "stats"], capture_output=True, text=True,
                       timeout=scaled(30))
    expect(p.returncode == 0, f"zcctl stats: {p.stderr.strip()}")
    return json.loads(p.stdout)


def wait_for(what, cond, seconds=30):
    end = time.monotonic() + scaled(seconds)
    while not cond():
        expect(time.monotonic() < end, f"still waiting for {what}")
        time.sleep(0.1)


def make_tree():
    top = tempfile.mkdtemp(dir=os.environ.get("ZCOPY_SCRATCH"))
    root = os.path.join(top, "www")
    os.makedirs(root)
    rnd = random.Random(25)
    for name, size in SIZES.items():
        with open(os.path.join(root, name), "wb") as f:
            f.write(rnd.randbytes(size) if size < 8 * MIB else b"")
            while f.tell() < size:
                f.write(rnd.randbytes(8 * MIB))
    with open(os.path.join(root, "sparse"), "wb") as f:
        f.truncate(3 * MIB)
        f.seek(MIB + 5)
        f.write(b"an island in the hole")
    with open(os.path.join(root, "404.html"), "wb") as f:
        f.write(b"<p>no such file here</p>\n")
    return top, root


def file_bytes(name):
    with open(os.path.join(state["root"], name), "rb") as f:
        return f.read()


def drop_cache(name):
    fd = os.open(os.path.join(state["root"], name), os.O_RDONLY)
    os.fsync(fd)
    os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    os.close(fd)


def cached_bytes(name):
    p = subprocess.run(["fincore", "--bytes", "--noheadings", "--output", "RES",
                        os.path.join(state["root"], name)],
                       capture_output=True, text=True, timeout=scaled(30))
    expect(p.returncode == 0, f"fincore: {p.stderr.strip()}")
    return int(p.stdout)


def config(top, root, zcopy_main="zcopy on;", extra_main=""):
    cert, key = state["cert"], state["key"]
    run = os.path.join(top, "run")
    return f"""
load_module {MODULE};
worker_processes 1;
daemon off;
user root;
pid {run}/nginx.pid;
error_log {run}/error.log info;
{extra_main}
events {{ worker_connections 1024; }}
http {{
    access_log off;
    sendfile on;
    tcp_nopush on;
    {zcopy_main}
    default_type application/octet-stream;
    client_body_temp_path {run}/body;
    proxy_temp_path {run}/proxy;
    fastcgi_temp_path {run}/fastcgi;
    uwsgi_temp_path {run}/uwsgi;
    scgi_temp_path {run}/scgi;
    server {{
        listen {PORT};
        root {root};
        error_page 404 /404.html;
        location /slow/ {{ alias {root}/; limit_rate 512k; }}
        location /gz/ {{ alias {root}/; gzip on; gzip_types *; gzip_min_length 0; }}
        location /rel/ {{ alias {root}/; zcopy_release on; zcopy_dontcache 4m; }}
        location /off/ {{ alias {root}/; zcopy off; }}
        location /stall/ {{ alias {root}/; send_timeout 2s; }}
        location /stall-release/ {{ alias {root}/; send_timeout 2s; zcopy_release on; }}
        location /range-error/ {{ alias {root}/; error_page 416 /stall/64m; }}
        location /cached/ {{ alias {root}/; open_file_cache max=16 inactive=1h;
                            open_file_cache_valid 1h; }}
        location /whole/ {{ alias {root}/; sendfile_max_chunk 0; }}
    }}
    server {{
        listen {KTLS_PORT} ssl;
        root {root};
        ssl_certificate {cert};
        ssl_certificate_key {key};
        ssl_conf_command Options KTLS;
    }}
    server {{
        listen {TLS_PORT} ssl;
        root {root};
        ssl_certificate {cert};
        ssl_certificate_key {key};
    }}
}}
"""


class Nginx:
    def __init__(self, top, conf, wrap=(), port=PORT):
        self.run = os.path.join(top, "run")
        os.makedirs(self.run, exist_ok=True)
        self.conf = os.path.join(self.run, "nginx.conf")
        self.log = os.path.join(self.run, "error.log")
        with open(self.conf, "w") as f:
            f.write(conf)
        self.p = subprocess.Popen([*wrap, NGINX, "-c", self.conf, "-e", self.log],
                                  stderr=subprocess.PIPE, text=True)
        self.port = port
        self.wait_listening()

    def wait_listening(self):
        for _ in range(int(scaled(100))):
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                expect(self.p.poll() is None,
                       f"nginx exited: {self.p.stderr.read().strip()}")
                time.sleep(0.1)
        raise AssertionError("nginx does not listen")

    def signal(self, sig):
        self.p.send_signal(sig)

    def workers(self):
        out = subprocess.run(["pgrep", "-P", str(self.p.pid)], capture_output=True,
                             text=True).stdout
        return [int(x) for x in out.split()]

    def errors(self):
        with open(self.log) as f:
            return f.read()

    def stop(self):
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGQUIT)
            try:
                self.p.wait(timeout=scaled(60))
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()


def tree():
    if "top" not in state:
        state["top"], state["root"] = make_tree()
        atexit.register(shutil.rmtree, state["top"], True)
        state["cert"], state["key"] = tls_material(state["top"])


def server():
    tree()
    if "srv" not in state:
        state["srv"] = Nginx(state["top"], config(state["top"], state["root"]))
        atexit.register(state["srv"].stop)
    return state["srv"]


def url(path, port=PORT, scheme="http"):
    return f"{scheme}://127.0.0.1:{port}/{path}"


def submitted():
    return stats()["submitted"]


def sha(data):
    return hashlib.sha256(data).hexdigest()


@case
def configuration_checked_by_nginx_t():
    server()
    top = tempfile.mkdtemp(dir=state["top"])
    os.makedirs(os.path.join(top, "run"))
    for main, want in (("zcopy on; zcopy_release off; zcopy_dontcache 1m;", None),
                       ("zcopy maybe;", "invalid value \"maybe\""),
                       ("zcopy on; zcopy_dontcache lots;", "invalid value"),
                       ("zcopy_dontcache 1m; zcopy_dontcache 2m;", "is duplicate"),
                       ("zcopy_release;", "invalid number of arguments")):
        path = os.path.join(top, "run", "nginx.conf")
        with open(path, "w") as f:
            f.write(config(top, state["root"], zcopy_main=main))
        p = subprocess.run([NGINX, "-t", "-c", path, "-e", os.path.join(top, "t.log")],
                           capture_output=True, text=True, timeout=scaled(60))
        if want is None:
            expect(p.returncode == 0, f"nginx -t refused {main!r}: {p.stderr.strip()}")
        else:
            expect(p.returncode != 0 and want in p.stderr,
                   f"nginx -t on {main!r}: {p.returncode}, {p.stderr.strip()}")


@case
def whole_files_and_head_through_the_device():
    server()
    before = submitted()
    for name in list(SIZES) + ["sparse"]:
        data = file_bytes(name)
        for prefix in ("", "whole/", "off/"):
            p = curl(url(prefix + name))
            expect(sha(p.stdout) == sha(data),
                   f"/{prefix}{name}: {len(p.stdout)} bytes, not the file's {len(data)}")
        p = curl("-I", url(name))
        expect(f"Content-Length: {len(data)}".encode() in p.stdout, f"HEAD {name}")
    # Each non-empty file, twice (default and whole), at least: /off/ not.
    expect(submitted() - before >= 2 * 5, f"{submitted() - before} transfers submitted")


@case
def ranges_single_and_multipart():
    server()
    data = file_bytes("1m")
    p = curl("-r", "4095-70000", url("1m"))
    expect(p.stdout == data[4095:70001], "a single range")
    p = curl("-r", "-100", url("64m"))
    expect(p.stdout == file_bytes("64m")[-100:], "a suffix range")
    c = Raw(PORT)
    c.send(b"GET /1m HTTP/1.1\r\nHost: x\r\nRange: bytes=0-9,500000-600000,-7\r\n"
           b"Connection: close\r\n\r\n")
    st, f, body = c.response()
    # nginx opens the body with an empty preamble: a CRLF.
    parts = multipart(f, body[2:] if body.startswith(b"\r\n") else body)
    want = [data[0:10], data[500000:600001], data[-7:]]
    expect(st == 206 and [d for _, d in parts] == want,
           f"multipart: {st}, {[len(d) for _, d in parts]}")


@case
def not_modified_and_error_page():
    server()
    mtime = os.stat(os.path.join(state["root"], "1m")).st_mtime
    # nginx's default "if_modified_since exact": the file's own time.
    since = email.utils.formatdate(int(mtime), usegmt=True)
    p = curl("-i", "-H", f"If-Modified-Since: {since}", url("1m"))
    expect(p.stdout.startswith(b"HTTP/1.1 304") and p.stdout.endswith(b"\r\n\r\n"),
           f"If-Modified-Since: {p.stdout[:60]!r}")
    p = curl("-w", "%{http_code}", url("nothing"))
    expect(p.stdout == file_bytes("404.html") + b"404", f"404: {p.stdout[-60:]!r}")


@case
def keep_alive_and_pipelining():
    server()
    big, small = file_bytes("1m"), file_bytes("4k")
    c = Raw(PORT)
    c.send(b"GET /1m HTTP/1.1\r\nHost: x\r\n\r\n"
           b"HEAD /4k HTTP/1.1\r\nHost: x\r\n\r\n"
           b"GET /4k HTTP/1.1\r\nHost: x\r\n\r\n"
           b"GET /1m HTTP/1.1\r\nRange: bytes=10-20\r\nHost: x\r\n\r\n"
           b"GET /empty HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    st, _, body = c.response()
    expect(st == 200 and body == big, f"pipelined GET: {st}")
    st, f, _ = c.response(head_only=True)
    expect(st == 200 and f["content-length"] == "4096", f"pipelined HEAD: {st}")
    st, _, body = c.response()
    expect(st == 200 and body == small, f"pipelined GET 4k: {st}")
    st, _, body = c.response()
    expect(st == 206 and body == big[10:21], f"pipelined range: {st}")
    st, _, body = c.response()
    expect(st == 200 and body == b"", f"pipelined empty: {st}")
    expect(c.closed(), "open after Connection: close")


@case
def cold_files_and_the_sparse_one():
    server()
    for name in ("64m", "sparse", "1m"):
        drop_cache(name)
        p = curl(url(name))
        expect(sha(p.stdout) == sha(file_bytes(name)), f"cold {name}")


@case
def release_and_dontcache_leave_a_large_file_uncached():
    server()
    want = sha(file_bytes("64m"))     # read before the drop, not after
    drop_cache("64m")
    drop_cache("1m")
    p = curl(url("rel/64m"))
    expect(sha(p.stdout) == want, "/rel/64m")
    # The last range drops once the stack lets go of it, just after.
    try:
        wait_for("the drop", lambda: cached_bytes("64m") <= 4 * MIB, 10)
    except AssertionError:
        pass
    left = cached_bytes("64m")
    p = curl(url("rel/1m"))
    expect(p.stdout == file_bytes("1m"), "/rel/1m")
    small = cached_bytes("1m")
    expect(left <= 4 * MIB, f"64 MiB sent with drop-behind, {left} bytes still cached")
    expect(small >= MIB, f"1 MiB under the threshold: only {small} bytes cached")


@case
def limit_rate_holds_and_gzip_goes_nginx_s_way():
    server()
    began = time.monotonic()
    p = curl(url("slow/1m"))
    took = time.monotonic() - began
    expect(p.stdout == file_bytes("1m"), "limit_rate: the body")
    # 512 KiB at once, then 512 KiB a second: at least a second for 1 MiB.
    expect(took >= 0.9, f"limit_rate 512k: 1 MiB in {took:.2f} s")
    p = curl("-i", "--compressed", url("gz/1m"))
    head, _, body = p.stdout.partition(b"\r\n\r\n")
    expect(b"Content-Encoding: gzip" in head and body == file_bytes("1m"), "gzip")


def ktls_available():
    """Whether the kernel takes the tls ULP (module or built in)."""
    ls = socket.create_server(("127.0.0.1", 0))
    c = socket.create_connection(ls.getsockname())
    try:
        c.setsockopt(socket.IPPROTO_TCP, 31, b"tls")    # TCP_ULP
        return True
    except OSError:
        return False
    finally:
        c.close()
        ls.close()


def tls_get(port, name):
    return curl("-k", url(name, port, "https"))


@case
def kernel_tls_through_the_device_and_plain_tls_falls_back():
    srv = server()
    if not ktls_available():
        raise Skip("no kernel TLS: the tls ULP is not there")
    before = submitted()
    for name in ("1m", "4k", "64m"):
        p = tls_get(KTLS_PORT, name)
        expect(sha(p.stdout) == sha(file_bytes(name)), f"kTLS {name}")
    expect(submitted() - before >= 3, f"kTLS: {submitted() - before} submitted")
    before = submitted()
    for name in ("1m", "4k"):
        p = tls_get(TLS_PORT, name)
        expect(p.stdout == file_bytes(name), f"TLS {name}")
    expect(submitted() == before, "TLS without kTLS went through the device")
    expect(srv.errors().count("is not on kernel TLS") == 1, "the notice, once")


def worker_fds(srv):
    (w,) = srv.workers()
    return len(os.listdir(f"/proc/{w}/fd"))


def stalled_client(srv, path, size=None, fields=""):
    """A client that asks for PATH and reads nothing: once send_timeout
    has ended the request, nginx must close the connection (its
    descriptors go) while the client still reads nothing; the client then
    reads to EOF (or a reset), before the whole file came if SIZE is
    given, and the module holds nothing for it."""
    before = srv.errors().count("client timed out")
    base = worker_fds(srv)
    workers = srv.workers()
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.connect(("127.0.0.1", PORT))
    s.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\n{fields}\r\n".encode())
    wait_for("send_timeout", lambda: srv.errors().count("client timed out") > before, 60)
    wait_for(f"{path}: nginx's close", lambda: worker_fds(srv) <= base)
    s.settimeout(scaled(30))
    got = 0
    try:
        while True:
            data = s.recv(1 << 20)
            if not data:
                break
            got += len(data)
    except ConnectionResetError:
        pass
    except socket.timeout:
        raise AssertionError(f"{path}: the connection is still open")
    s.close()
    expect(size is None or got < size, f"{path}: all {got} bytes came after the timeout")
    wait_for("the transfer's end", lambda: stats()["transfers"] == 0)
    expect(srv.workers() == workers, f"{path}: the worker died")


@case
def send_timeout_ends_a_stalled_transfer():
    srv = server()
    stalled_client(srv, "/stall/64m", 64 * MIB)
    # All handed to the socket, waiting for its release, a transfer cannot
    # be cancelled: the request must not wait for its completion, which
    # only the connection's close brings.
    stalled_client(srv, "/stall-release/1m")
    # A 416 redirected to an error page sends a header twice: the request
    # is still let go of once.
    stalled_client(srv, "/range-error/1m", 64 * MIB, "Range: bytes=99999999-\r\n")


def zcctl_config():
    p = subprocess.run([ZCCTL, "-j", "config"], capture_output=True, text=True,
                       timeout=scaled(30))
    expect(p.returncode == 0, f"zcctl config: {p.stderr.strip()}")
    return json.loads(p.stdout)


def zcctl_set(key, value):
    p = subprocess.run([ZCCTL, "config", "set", key, str(value)], capture_output=True,
                       text=True, timeout=scaled(30))
    expect(p.returncode == 0, f"zcctl config set {key} {value}: {p.stderr.strip()}")


@case
def a_full_context_makes_responses_wait_not_block():
    """Over the context's limit (EAGAIN) a response waits for room and then
    goes through the device: not through nginx's sendfile(), which would
    block the worker on a cold file."""
    server()
    old = zcctl_config()["max_inflight"]
    zcctl_set("max-inflight", 2)
    try:
        before = submitted()
        # Hashed on the way: six copies would not fit the scratch disk.
        ps = [subprocess.Popen(["sh", "-c", "curl -sS \"$1\" | sha256sum",
                                "sh", url("64m")], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True) for _ in range(6)]
        want = sha(file_bytes("64m"))
        for i, p in enumerate(ps):
            out, err = p.communicate(timeout=scaled(300))
            expect(out.split()[:1] == [want], f"download {i}: {err.strip()}")
        # A header and a file range each.
        expect(submitted() - before == 2 * 6,
               f"{submitted() - before} entries submitted for 6 responses of 2")
    finally:
        zcctl_set("max-inflight", old)


@case
def a_file_truncated_under_open_file_cache_ends_the_response():
    srv = server()
    path = os.path.join(state["root"], "shrinking")
    with open(path, "wb") as f:
        f.write(file_bytes("1m"))
    expect(curl(url("cached/shrinking")).stdout == file_bytes("1m"), "before")
    os.truncate(path, 100000)       # the cached descriptor and size stay
    p = subprocess.run(["curl", "-sS", "-o", "/dev/null", url("cached/shrinking")],
                       capture_output=True, timeout=scaled(60))
    expect(p.returncode != 0, "a truncated response came whole")
    wait_for("the alert", lambda: "a file was truncated" in srv.errors())
    expect(curl(url("4k")).stdout == file_bytes("4k"), "serving after it")


@case
def aborted_clients_leave_nothing_behind():
    srv = server()
    base = worker_fds(srv)
    socks = []
    for i in range(40):
        s = socket.create_connection(("127.0.0.1", PORT))
        s.sendall(b"GET /64m HTTP/1.1\r\nHost: x\r\n\r\n")
        socks.append(s)
    for i, s in enumerate(socks):
        if i % 2:
            s.recv(65536)
        if i % 3 == 0:      # reset rather than FIN
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\1\0\0\0\0\0\0\0")
        s.close()
    wait_for("the transfers' ends", lambda: stats()["transfers"] == 0)
    wait_for("nginx's descriptors back", lambda: worker_fds(srv) <= base)
    expect(curl(url("4k")).stdout == file_bytes("4k"), "serving after the storm")


def slow_download(name, rate="8M"):
    out = os.path.join(state["top"], "download")
    if os.path.exists(out):
        os.unlink(out)
    p = subprocess.Popen(["curl", "-sS", "--limit-rate", rate, "-o", out, url(name)],
                         stderr=subprocess.PIPE)
    wait_for("the download to start",
             lambda: os.path.exists(out) and os.path.getsize(out) > MIB)
    return p, out


@case
def reload_and_wrk_lose_nothing():
    srv = server()
    if not shutil.which("wrk"):
        raise Skip("no wrk")
    p, out = slow_download("64m")
    w = subprocess.Popen(["wrk", "-t1", "-c16", f"-d{int(scaled(3))}s",
                          url("1m")], stdout=subprocess.PIPE, text=True)
    time.sleep(1)
    srv.signal(signal.SIGHUP)
    report = w.communicate(timeout=scaled(60))[0]
    expect(p.wait(timeout=scaled(120)) == 0, f"download across the reload: "
           f"{p.stderr.read().decode().strip()}")
    with open(out, "rb") as f:
        expect(sha(f.read()) == sha(file_bytes("64m")), "the download's bytes")
    expect(w.returncode == 0 and "Non-2xx" not in report and " 0 requests" not in report,
           f"wrk: {report}")
    wait_for("the old worker's exit", lambda: len(srv.workers()) == 1)


@case
def killed_worker_closes_its_context():
    srv = server()
    p, _ = slow_download("64m", "2M")
    (w,) = srv.workers()
    os.kill(w, signal.SIGKILL)
    expect(p.wait(timeout=scaled(60)) != 0, "a download survived its worker")
    wait_for("a new worker", lambda: srv.workers() and srv.workers() != [w])
    srv.wait_listening()
    expect(curl(url("1m")).stdout == file_bytes("1m"), "the new worker")
    wait_for("the transfers' ends", lambda: stats()["transfers"] == 0)


@case
def graceful_quit_finishes_transfers_in_flight():
    srv = server()
    p, out = slow_download("64m")
    srv.signal(signal.SIGQUIT)
    expect(p.wait(timeout=scaled(120)) == 0, "download across quit: "
           f"{p.stderr.read().decode().strip()}")
    with open(out, "rb") as f:
        expect(sha(f.read()) == sha(file_bytes("64m")), "the download's bytes")
    srv.p.wait(timeout=scaled(60))
    # Only the worker this test killed and the truncated file (nginx's own
    # sendfile path reports that as an alert too) may be reported.
    bad = [line for line in srv.errors().splitlines()
           if any(w in line for w in ("[alert]", "[crit]", "[emerg]"))
           and "exited on signal 9" not in line
           and "a file was truncated" not in line]
    expect(not bad, f"nginx's error log: {bad[:5]}")
    st = stats()
    expect(st["transfers"] == 0 and st["sockets"] == 0,
           f"left in the module: {st['transfers']} transfers, {st['sockets']} sockets")
    del state["srv"]


@case
def no_device_falls_back_with_one_notice():
    tree()
    top = tempfile.mkdtemp(dir=state["top"])
    # A mount namespace without /dev/zcopy: nginx's own path throughout.
    srv = Nginx(top, config(top, state["root"]),
                wrap=("unshare", "-m", "--propagation", "private", "sh", "-c",
                      'mount -t tmpfs none /dev && exec "$@"', "sh"))
    try:
        before = submitted()
        for name in ("1m", "4k"):
            expect(curl(url(name)).stdout == file_bytes(name), f"fallback {name}")
        expect(submitted() == before, "the device was used")
        expect(srv.errors().count("cannot open /dev/zcopy") == 1, "the notice, once")
    finally:
        srv.stop()


if __name__ == "__main__":
    if not os.access(MODULE, os.R_OK):
        sys.exit(skip_all(f"{MODULE} not built (make nginx-module)"))
    if not os.access(NGINX, os.X_OK):
        sys.exit(skip_all("no nginx"))
    if not os.path.exists("/dev/zcopy"):
        sys.exit(skip_all("the module is not loaded"))
    sys.exit(run_cases())
