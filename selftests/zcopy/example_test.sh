#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The example program of Documentation/zcopy.rst, run as documented: it
# sends two files to a TCP server on loopback, and the server must get
# exactly their concatenation.
set -u
. "$(dirname "$0")/ktap.sh"

dir=$(mktemp -d)
trap 'kill "$server" 2>/dev/null; rm -rf "$dir"' EXIT
head -c 3000001 /dev/urandom >"$dir/a"
head -c 77777 /dev/urandom >"$dir/b"

# The server: hash everything received on one connection.
python3 - "$dir" <<'PY' &
import hashlib, socket, sys
l = socket.create_server(("127.0.0.1", 0))
with open(sys.argv[1] + "/port", "w") as f:
    f.write(str(l.getsockname()[1]))
c, _ = l.accept()
h = hashlib.sha256()
while data := c.recv(65536):
    h.update(data)
open(sys.argv[1] + "/received", "w").write(h.hexdigest())
PY
server=$!

ktap_plan 3
ktap_wait 10 test -s "$dir/port"
"$(dirname "$0")/lib/zcopy_send" 127.0.0.1 "$(cat "$dir/port")" "$dir/a" "$dir/b" >"$dir/out"
ktap_check "zcopy_send exits 0" test $? = 0
wait "$server"
printf '%s: 3000001 bytes (copied by the stack)\n%s: 77777 bytes (copied by the stack)\n' \
	"$dir/a" "$dir/b" >"$dir/expected"
ktap_check "it reports both files, released and copied (loopback)" \
	cmp "$dir/expected" "$dir/out"
sent=$(cat "$dir/a" "$dir/b" | sha256sum | cut -d' ' -f1)
ktap_check "the server received both files, in order" \
	test "$(cat "$dir/received" 2>/dev/null)" = "$sent"
ktap_finish
