#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The example program of Documentation/zcopy.rst, run as documented: it
# sends two files to a TCP server on loopback, and the server must get
# exactly their concatenation.
set -u
here=$(cd "$(dirname "$0")" && pwd)
# The kernel's TAP helpers (kselftest/ktap_helpers.sh, copied here by the
# Makefile), and the time limits scaled for the machine.
# shellcheck source=/dev/null
. "$here/ktap_helpers.sh"
# shellcheck source=selftests/zcopy/lib/scale.sh
. "$here/lib/scale.sh"

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

ktap_print_header
ktap_set_plan 3
zc_wait_until 10 test -s "$dir/port"
"$here/lib/zcopy_send" 127.0.0.1 "$(cat "$dir/port")" "$dir/a" "$dir/b" >"$dir/out"
ktap_test_result "zcopy_send exits 0" test $? = 0
wait "$server"
printf '%s: 3000001 bytes (copied by the stack)\n%s: 77777 bytes (copied by the stack)\n' \
	"$dir/a" "$dir/b" >"$dir/expected"
ktap_test_result "it reports both files, released and copied (loopback)" \
	cmp "$dir/expected" "$dir/out"
sent=$(cat "$dir/a" "$dir/b" | sha256sum | cut -d' ' -f1)
if [ "$(cat "$dir/received" 2>/dev/null)" = "$sent" ]; then
	ktap_test_pass "the server received both files, in order"
else
	ktap_test_fail "the server received both files, in order"
fi
ktap_finished
