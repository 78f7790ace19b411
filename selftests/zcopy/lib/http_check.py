# SPDX-License-Identifier: GPL-2.0
#
# An HTTP test's client side, for zcserve_test.py and nginx_test.py: curl,
# a raw connection (plain or TLS) for what curl will not send or show
# (pipelining, a HEAD's fields), the parts of a multipart/byteranges
# body, and a self-signed certificate for HTTPS.

import os
import socket
import ssl
import subprocess

from cases import expect
from scale import scaled


def curl(*args):
    p = subprocess.run(["curl", "-sS", *args], capture_output=True, timeout=scaled(120))
    expect(p.returncode == 0, f"curl {' '.join(args)}: {p.stderr.decode().strip()}")
    return p


def head_fields(raw):
    """Status and header dict (lower-case names) of one response head."""
    lines = raw.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    fields = {}
    for line in lines[1:]:
        if line:
            k, v = line.split(":", 1)
            fields[k.strip().lower()] = v.strip()
    return status, fields


class Raw:
    """One TCP connection, for what curl will not send or show."""

    def __init__(self, port):
        self.s = socket.create_connection(("127.0.0.1", port), timeout=scaled(30))
        self.buf = b""

    def send(self, data):
        self.s.sendall(data)

    def _fill(self):
        data = self.s.recv(1 << 16)
        if not data:
            raise EOFError
        self.buf += data

    def _take(self, n):
        while len(self.buf) < n:
            self._fill()
        data, self.buf = self.buf[:n], self.buf[n:]
        return data

    def _line(self):
        while b"\r\n" not in self.buf:
            self._fill()
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def response(self, head_only=False):
        """Status, fields and body; a chunked body decoded, its chunk
        sizes in fields["chunks"]."""
        while b"\r\n\r\n" not in self.buf:
            self._fill()
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        status, fields = head_fields(head)
        if head_only:
            return status, fields, b""
        if fields.get("transfer-encoding") == "chunked":
            body, fields["chunks"] = b"", []
            while True:
                n = int(self._line(), 16)
                fields["chunks"].append(n)
                body += self._take(n)
                expect(self._take(2) == b"\r\n", "a chunk not ended by CRLF")
                if not n:
                    return status, fields, body
        return status, fields, self._take(int(fields.get("content-length", 0)))

    def closed(self):
        try:
            self._fill()
        except EOFError:
            return True
        return False


def multipart(fields, body):
    """The parts of a multipart/byteranges body: (Content-Range, bytes),
    checked to be framed as RFC 9110 and 2046 say."""
    ctype = fields["content-type"]
    expect(ctype.startswith("multipart/byteranges; boundary="), f"Content-Type {ctype}")
    b = ctype.split("boundary=", 1)[1].encode()
    end = b"\r\n--" + b + b"--\r\n"
    expect(body.endswith(end), "no closing delimiter")
    expect(body.startswith(b"--" + b + b"\r\n"), "no opening delimiter")
    parts = []
    for chunk in (b"\r\n" + body[:-len(end)]).split(b"\r\n--" + b + b"\r\n")[1:]:
        head, data = chunk.split(b"\r\n\r\n", 1)
        _, f = head_fields(b"X 0\r\n" + head)
        parts.append((f.get("content-range"), data))
    return parts


def tls_material(top):
    """A self-signed certificate and its key, in @top; kernel TLS ready
    (the tls module is loaded by the kernel only for CAP_NET_ADMIN)."""
    cert, key = os.path.join(top, "cert.pem"), os.path.join(top, "key.pem")
    if not os.path.exists(cert):
        if os.geteuid() == 0:
            subprocess.run(["modprobe", "-q", "tls"], capture_output=True)
        p = subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                            "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
                            "-subj", "/CN=localhost", "-keyout", key, "-out", cert],
                           capture_output=True, timeout=scaled(60))
        expect(p.returncode == 0, f"openssl req: {p.stderr.decode().strip()}")
    return cert, key


class TlsRaw(Raw):
    """Raw, over TLS (any certificate)."""

    def __init__(self, port, version):
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        ctx.minimum_version = ctx.maximum_version = version
        self.s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", port),
                                                          timeout=scaled(30)))
        self.buf = b""


