#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# http.sh OUTDIR DATADIR SECONDS: wrk, from the receiving side of the
# wire, against zcserve in each mode and against nginx (sendfile on, one
# worker, the deployment a user would pick), each serving the same
# 64 KiB and 1 MiB files from DATADIR to 16 and then 256 connections.
# Writes OUTDIR/http.csv and prints a table of requests per second.
set -euo pipefail

out=${1:?} data=${2:?} secs=${3:-10}
www=$data/www
conf=$out/nginx
mkdir -p "$www" "$conf"
sizes=(64K 1M)
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

echo "server,size,conns,seconds,requests_per_s,transfer_mib_s" >"$out/http.csv"
printf '%-18s %5s %6s %14s %12s\n' server size conns requests/s MiB/s | tee "$out/http.txt"
for server_name in zcserve-copy zcserve-sendfile zcserve-zcopy nginx; do
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
			echo "$server_name,$size,$c,$secs,$rps,$mibs" >>"$out/http.csv"
			printf '%-18s %5s %6s %14s %12s\n' "$server_name" "$size" "$c" "$rps" "$mibs" |
				tee -a "$out/http.txt"
		done
	done
	stop_server
done
