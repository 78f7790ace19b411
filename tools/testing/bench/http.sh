#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# http.sh OUTDIR DATADIR SECONDS [ROUNDS]: wrk, from the receiving side
# of the wire, against zcserve in each mode and against nginx (sendfile
# on, tcp_nopush on, one worker, the deployment a user would pick), each
# serving the same 4 KiB, 64 KiB and 1 MiB files from DATADIR to 16 and
# then 256 connections, SECONDS each.  ROUNDS (default 3) times, the
# servers taking turns, each round starting with the next one, so that
# drift on the machine falls on all alike.  Writes every run to
# OUTDIR/http-runs.csv, the median of each point and its spread (half
# the range over the median, as zcbench's) to OUTDIR/http.csv, and
# prints them.
set -euo pipefail

out=${1:?} data=${2:?} secs=${3:-10} rounds=${4:-3}
www=$data/www
conf=$out/nginx
mkdir -p "$www" "$conf"
sizes=(4K 64K 1M)
servers=(zcserve-copy zcserve-sendfile zcserve-zcopy nginx)
for size in "${sizes[@]}"; do
	head -c "$size" /dev/urandom >"$www/file-$size.bin"
done
sync

"$(dirname "$0")/nginx-conf.sh" "$conf" "$www" 8090

start_server() {
	case "$1" in
	nginx) ip netns exec wire0 nginx -e "$conf/error.log" -c "$conf/nginx.conf" & ;;
	*) ip netns exec wire0 zcserve --mode "${1#zcserve-}" --port 8090 "$www" & ;;
	esac
	server=$!
	for _ in $(seq 50); do
		ip netns exec wire1 curl -sf -o /dev/null http://198.18.0.1:8090/file-64K.bin && return
		sleep 0.2
	done
	echo "http.sh: $1 did not start" >&2
	return 1
}

stop_server() {
	kill "$server" 2>/dev/null || true
	wait "$server" 2>/dev/null || true
}

echo "round,server,size,conns,seconds,requests_per_s,transfer_mib_s" >"$out/http-runs.csv"
for round in $(seq "$rounds"); do
	for k in "${!servers[@]}"; do
		server_name=${servers[$(((k + round - 1) % ${#servers[@]}))]}
		start_server "$server_name"
		for size in "${sizes[@]}"; do
			url=http://198.18.0.1:8090/file-$size.bin
			# The file must come back whole before it is timed.
			ip netns exec wire1 curl -sf "$url" | cmp - "$www/file-$size.bin"
			for c in 16 256; do
				res=$(ip netns exec wire1 wrk -t 2 -c "$c" -d "${secs}s" --timeout 30s "$url")
				if grep -q 'Non-2xx\|Socket errors' <<<"$res"; then
					echo "http.sh: $server_name, $size, $c connections had errors:" >&2
					echo "$res" >&2
					stop_server
					exit 1
				fi
				rps=$(awk '/^Requests\/sec:/ {print $2}' <<<"$res")
				mibs=$(awk '/^Transfer\/sec:/ {v=$2; u=substr(v, length(v)-1); v=v+0;
					if (u == "GB") v *= 1024; else if (u == "KB") v /= 1024; print v}' <<<"$res")
				echo "$round,$server_name,$size,$c,$secs,$rps,$mibs" >>"$out/http-runs.csv"
				echo "http.sh: round $round: $server_name $size x $c: $rps requests/s"
			done
		done
		stop_server
	done
done

python3 - "$out/http-runs.csv" "$out/http.csv" <<'PY' | tee "$out/http.txt"
import csv, statistics, sys
runs = list(csv.DictReader(open(sys.argv[1], newline="")))
points = {}
for r in runs:
    key = (r["server"], r["size"], r["conns"])
    points.setdefault(key, []).append(r)
with open(sys.argv[2], "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["server", "size", "conns", "seconds", "rounds", "requests_per_s",
                "requests_spread", "transfer_mib_s"])
    print(f"{'server':<18} {'size':>5} {'conns':>6} {'requests/s':>12} {'+-':>5} {'MiB/s':>10}")
    for (srv, size, conns), rs in points.items():
        rps = sorted(float(r["requests_per_s"]) for r in rs)
        med = statistics.median(rps)
        spread = (rps[-1] - rps[0]) / 2 / med if med else 0
        mibs = statistics.median(float(r["transfer_mib_s"]) for r in rs)
        w.writerow([srv, size, conns, rs[0]["seconds"], len(rs), f"{med:.2f}",
                    f"{spread:.4f}", f"{mibs:.2f}"])
        print(f"{srv:<18} {size:>5} {conns:>6} {med:>12.1f} {100 * spread:>4.0f}% {mibs:>10.1f}")
PY
