#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The guest side of `make demo`: the module sends a file over the wire.
#
# A file of random bytes on tmpfs (ZCOPY_DEMO_SIZE, default 64M) goes
# from namespace wire0 to wire1 through the two virtio NICs of the wire
# topology (tools/testing/vm/run --wire), once with each of read+write,
# sendfile, zcopy and zcopy with ZCOPY_F_RELEASE (tools/demo/zcdemo).  The
# receiver's sha256 must match the file's, and for each zcopy transfer
# the module's counters (zcctl -j stats) must show the whole file handed
# over by page reference and no byte copied.  Exits non-zero otherwise.
set -euo pipefail

project=$(cd "$(dirname "$0")/../../.." && pwd)
zcdemo=$project/tools/demo/zcdemo
zcctl=$project/tools/zcctl/zcctl
size=${ZCOPY_DEMO_SIZE:-64M}
addr=198.18.0.2
work=$(mktemp -d)
file=$work/file
trap 'rm -rf "$work"' EXIT
failed=0

show() {
	printf '\n$ %s\n' "$*"
	"$@"
}

fail() {
	echo "demo: FAILED: $*" >&2
	failed=1
}

# One counter from a `zcctl -j stats` snapshot.
counter() {
	jq -r ".$2" <<<"$1"
}

# The value of KEY in a line of zcdemo's key=value pairs.
field() {
	local kv
	for kv in $1; do
		[[ $kv == "$2="* ]] && { echo "${kv#*=}"; return; }
	done
}

if [ ! -e /run/netns/wire0 ]; then
	echo "demo: no wire topology (boot with tools/testing/vm/run --wire)" >&2
	exit 1
fi

echo "Guest kernel: $(uname -r)"
show grep '^zcopy ' /proc/modules
show ls -l /dev/zcopy

head -c "$size" /dev/urandom >"$file"
bytes=$(stat -c %s "$file")
want=$(sha256sum <"$file" | cut -d' ' -f1)
printf '\nFile: %s random bytes on tmpfs, sha256 %s\n' "$bytes" "$want"
echo "Sent from namespace wire0 (198.18.0.1) to wire1 ($addr) through two virtio NICs."

port=7400
results=()
for method in read+write sendfile zcopy zcopy+release; do
	port=$((port + 1))
	# The counters are per network namespace: the sender's.
	[[ $method == zcopy* ]] && before=$(ip netns exec wire0 "$zcctl" -j stats)
	ip netns exec wire1 sh -c "'$zcdemo' recv $port | sha256sum >'$work/recv'" &
	recv=$!
	line=$(ip netns exec wire0 "$zcdemo" send "$method" "$file" "$addr" "$port") ||
		fail "$method: the sender failed"
	wait "$recv" || fail "$method: the receiver failed"
	got=$(cut -d' ' -f1 <"$work/recv")
	hash=ok
	[ "$got" = "$want" ] || { hash=MISMATCH; fail "$method: received sha256 $got"; }
	results+=("$line hash=$hash")

	[[ $method == zcopy* ]] || continue
	# The stack may still hold pages of a transfer that completed when
	# handed over; the copy counter has its final say once all are back.
	for _ in $(seq "$("$project/tools/testing/vm/seconds" 300)"); do
		after=$(ip netns exec wire0 "$zcctl" -j stats)
		[ "$(counter "$after" pages)" = 0 ] && break
		sleep 0.1
	done
	zc=$(($(counter "$after" bytes_zerocopy) - $(counter "$before" bytes_zerocopy)))
	cp=$(($(counter "$after" bytes_copied) - $(counter "$before" bytes_copied)))
	done_=$(($(counter "$after" completed) - $(counter "$before" completed)))
	printf -v "stats_${method/+/_}" '%-14s  %14d  %12d  %9d' "$method" "$zc" "$cp" "$done_"
	[ "$zc" = "$bytes" ] || fail "$method: bytes_zerocopy grew by $zc, not $bytes"
	[ "$cp" = 0 ] || fail "$method: bytes_copied grew by $cp"
	[ "$done_" = 1 ] || fail "$method: $done_ transfers completed, not 1"
	cqe_res=$(field "$line" cqe_res)
	cqe_flags=$(field "$line" cqe_flags)
	cqe_copied=$(field "$line" cqe_copied)
	[ "$cqe_res" = "$bytes" ] || fail "$method: completion res $cqe_res, not $bytes"
	[ "$method" = zcopy+release ] && [ "$cqe_copied" != 0 ] &&
		fail "$method: completion says the stack copied the data (COPIED)"
	cqe_line="res=$cqe_res flags=$cqe_flags (ZCOPY_CQE_F_COPIED $([ "$cqe_copied" = 0 ] && echo not set || echo SET))"
done

printf '\nzcctl -j stats, change over each zcopy transfer (file: %s bytes):\n' "$bytes"
printf '%-14s  %14s  %12s  %9s\n' transfer bytes_zerocopy bytes_copied completed
echo "${stats_zcopy:-}"
echo "${stats_zcopy_release:-}"
printf '\nZCOPY_F_RELEASE completion record: %s\n' "${cqe_line:-none}"

echo
printf '%s\n' "${results[@]}" | awk -v gib=$((1 << 30)) '
function kv(s, k,   a, i, n) {
	n = split(s, a, " ")
	for (i = 1; i <= n; i++)
		if (index(a[i], k "=") == 1)
			return substr(a[i], length(k) + 2)
	return ""
}
{
	m[NR] = kv($0, "method"); b[NR] = kv($0, "bytes"); h[NR] = kv($0, "hash")
	w[NR] = kv($0, "wall"); g[NR] = kv($0, "cpu_guest")
	s[NR] = kv($0, "cpu_proc") + kv($0, "cpu_kworker")
	if (m[NR] == "read+write")
		base = s[NR]
}
END {
	printf "%-14s %10s %7s %7s %11s %9s %8s %10s\n", "method", "bytes",
	       "sha256", "wall s", "sender CPU", "s/GiB", "vs r+w", "guest CPU"
	for (i = 1; i <= NR; i++)
		printf "%-14s %10d %7s %7.2f %10.2fs %9.2f %8s %9.2fs\n", m[i], b[i],
		       h[i], w[i], s[i], s[i] / (b[i] / gib),
		       (base > 0 ? sprintf("%.2fx", s[i] / base) : "-"), g[i]
}'
cat <<EOF
sender CPU: user+sys of the sending process plus the kernel's worker
threads (zcopy sends from its workqueue, not from the process that
submits); guest CPU: every CPU busy, receiver and interrupts included.
EOF
virt=$(systemd-detect-virt --vm 2>/dev/null || true)
if [ "$virt" = qemu ]; then
	echo "Figures measured by this run in QEMU software emulation (TCG, no KVM): many times slower than hardware; compare rows, not absolutes."
else
	echo "Figures measured by this run in a ${virt:-virtual} guest."
fi

if [ "$failed" = 0 ]; then
	echo "demo: ok (hashes match, every zcopy byte sent by page reference, none copied)"
fi
exit "$failed"
