#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# http.sh OUTDIR DATADIR SECONDS [ROUNDS [TLS]]: wrk, from the receiving
# side of the wire, against zcserve in each mode and against nginx
# (sendfile on, tcp_nopush on, one worker, the deployment a user would
# pick), each serving the same 4 KiB, 64 KiB and 1 MiB files from DATADIR
# to 16 and then 256 connections, SECONDS each.  ROUNDS (default 3)
# times, the servers taking turns, each round starting with the next
# one, so that drift on the machine falls on all alike.  Each run also
# counts the server's CPU time (its processes', user and system, which
# includes the softirq work that lands on them) per GiB it sent.  Writes
# every run to OUTDIR/NAME-runs.csv, the median of each point and its
# spread (half the range over the median, as zcbench's) to
# OUTDIR/NAME.csv, and prints them; NAME is http.  When the nginx module
# is built (make nginx-module), nginx-zcopy joins them: the same nginx
# with "zcopy on;", and nginx-aio, nginx with "aio threads;".
#
# With TLS (1.2 or 1.3), HTTPS with that version only (AES-GCM, as wrk's
# OpenSSL picks), NAME https-TLS: zcserve's sendfile and zcopy modes,
# both sending into kernel TLS, against nginx with kernel TLS
# ("ssl_conf_command Options KTLS;", so sendfile too) and nginx as most
# run it, encrypting in user space; 64 KiB and 1 MiB files, each point
# for SECONDS or, if longer, a second per 4 MiB its connections ask for
# at once (the emulated cipher is slow: 256 connections of 1 MiB would
# otherwise finish no response), and every connection's handshake in
# it, alike for all.
set -euo pipefail

out=${1:?} data=${2:?} secs=${3:-10} rounds=${4:-3} tls=${5:-}
module=$(cd "$(dirname "$0")/../../.." && pwd)/build/nginx/ngx_http_zcopy_module.so
www=$data/www
conf=$out/nginx
mkdir -p "$www" "$conf"
sizes=(4K 64K 1M)
if [ -n "$tls" ]; then
	name=https-$tls scheme=https
	sizes=(64K 1M)
	servers=(zcserve-sendfile zcserve-zcopy nginx-ktls nginx-tls)
	modprobe -q tls 2>/dev/null || true
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
		-days 2 -subj /CN=bench -keyout "$conf/key.pem" -out "$conf/cert.pem" 2>/dev/null
	tls_opts=(--tls-cert "$conf/cert.pem" --tls-key "$conf/key.pem" --tls-version "$tls")
	ssl=("ssl_certificate $conf/cert.pem;" "ssl_certificate_key $conf/key.pem;"
	     "ssl_protocols TLSv$tls;" "ssl_session_tickets off;")
	mkdir -p "$conf/ktls" "$conf/tls"
	"$(dirname "$0")/nginx-conf.sh" "$conf/ktls" "$www" "8090 ssl" "${ssl[@]}" \
		"ssl_conf_command Options KTLS;"
	"$(dirname "$0")/nginx-conf.sh" "$conf/tls" "$www" "8090 ssl" "${ssl[@]}"
	if [ -f "$module" ]; then
		servers+=(nginx-ktls-zcopy)
		mkdir -p "$conf/ktls-zcopy"
		NGINX_MAIN="load_module $module;" "$(dirname "$0")/nginx-conf.sh" \
			"$conf/ktls-zcopy" "$www" "8090 ssl" "${ssl[@]}" \
			"ssl_conf_command Options KTLS;" "zcopy on;"
	fi
else
	name=http scheme=http
	servers=(zcserve-copy zcserve-sendfile zcserve-zcopy nginx)
	tls_opts=()
	"$(dirname "$0")/nginx-conf.sh" "$conf" "$www" 8090
	if [ -f "$module" ]; then
		servers+=(nginx-zcopy nginx-aio)
		mkdir -p "$conf/zcopy" "$conf/aio"
		NGINX_MAIN="load_module $module;" "$(dirname "$0")/nginx-conf.sh" \
			"$conf/zcopy" "$www" 8090 "zcopy on;"
		"$(dirname "$0")/nginx-conf.sh" "$conf/aio" "$www" 8090 "aio threads;"
	fi
fi
for size in "${sizes[@]}"; do
	head -c "$size" /dev/urandom >"$www/file-$size.bin"
done
sync

start_server() {
	local c=$conf
	case "$1" in
	nginx-*) c=$conf/${1#nginx-} ;;&
	nginx*) ip netns exec wire0 nginx -e "$c/error.log" -c "$c/nginx.conf" & ;;
	*) ip netns exec wire0 zcserve --mode "${1#zcserve-}" --port 8090 \
		"${tls_opts[@]}" "$www" & ;;
	esac
	server=$!
	for _ in $(seq 50); do
		ip netns exec wire1 curl -skf -o /dev/null "$scheme://198.18.0.1:8090/file-64K.bin" &&
			return
		sleep 0.2
	done
	echo "http.sh: $1 did not start" >&2
	return 1
}

stop_server() {
	kill "$server" 2>/dev/null || true
	wait "$server" 2>/dev/null || true
}

# CPU ticks, user and system, of the server: the process started (ip
# netns exec execs it) and its children (nginx's worker).
server_ticks() {
	local p pids=$server
	pids+=" $(cat /proc/"$server"/task/*/children 2>/dev/null)"
	for p in $pids; do
		awk '{sub(/^.*\) /, ""); print $12 + $13}' "/proc/$p/stat" 2>/dev/null
	done | awk '{t += $1} END {print t + 0}'
}
hz=$(getconf CLK_TCK)

echo "round,server,size,conns,seconds,requests_per_s,transfer_mib_s,cpu_s_per_gib" \
	>"$out/$name-runs.csv"
for round in $(seq "$rounds"); do
	for k in "${!servers[@]}"; do
		server_name=${servers[$(((k + round - 1) % ${#servers[@]}))]}
		start_server "$server_name"
		for size in "${sizes[@]}"; do
			url=$scheme://198.18.0.1:8090/file-$size.bin
			# The file must come back whole before it is timed.
			ip netns exec wire1 curl -skf "$url" | cmp - "$www/file-$size.bin"
			for c in 16 256; do
				s=$secs
				kib=$(numfmt --from=iec "$size")
				kib=$((kib / 1024))
				[ -n "$tls" ] && [ $((c * kib / 4096)) -gt "$s" ] && s=$((c * kib / 4096))
				t0=$(server_ticks)
				res=$(ip netns exec wire1 wrk -t 2 -c "$c" -d "${s}s" --timeout 60s "$url")
				t1=$(server_ticks)
				if grep -q 'Non-2xx\|Socket errors' <<<"$res"; then
					echo "http.sh: $server_name, $size, $c connections had errors:" >&2
					echo "$res" >&2
					stop_server
					exit 1
				fi
				rps=$(awk '/^Requests\/sec:/ {print $2}' <<<"$res")
				mibs=$(awk '/^Transfer\/sec:/ {v=$2; u=substr(v, length(v)-1); v=v+0;
					if (u == "GB") v *= 1024; else if (u == "KB") v /= 1024; print v}' <<<"$res")
				cpu=$(awk -v t="$((t1 - t0))" -v hz="$hz" -v m="$mibs" -v s="$s" \
					'BEGIN {printf "%.2f", (m > 0 ? t / hz / (m * s / 1024) : 0)}')
				echo "$round,$server_name,$size,$c,$s,$rps,$mibs,$cpu" >>"$out/$name-runs.csv"
				echo "http.sh: round $round: $server_name $size x $c: $rps requests/s"
			done
		done
		stop_server
	done
done

python3 - "$out/$name-runs.csv" "$out/$name.csv" <<'PY' | tee "$out/$name.txt"
import csv, statistics, sys
runs = list(csv.DictReader(open(sys.argv[1], newline="")))
points = {}
for r in runs:
    key = (r["server"], r["size"], r["conns"])
    points.setdefault(key, []).append(r)
with open(sys.argv[2], "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["server", "size", "conns", "seconds", "rounds", "requests_per_s",
                "requests_spread", "transfer_mib_s", "cpu_s_per_gib"])
    print(f"{'server':<18} {'size':>5} {'conns':>6} {'requests/s':>12} {'+-':>5} {'MiB/s':>10}"
          f" {'CPU s/GiB':>10}")
    for (srv, size, conns), rs in points.items():
        rps = sorted(float(r["requests_per_s"]) for r in rs)
        med = statistics.median(rps)
        spread = (rps[-1] - rps[0]) / 2 / med if med else 0
        mibs = statistics.median(float(r["transfer_mib_s"]) for r in rs)
        cpu = statistics.median(float(r["cpu_s_per_gib"]) for r in rs)
        w.writerow([srv, size, conns, rs[0]["seconds"], len(rs), f"{med:.2f}",
                    f"{spread:.4f}", f"{mibs:.2f}", f"{cpu:.2f}"])
        print(f"{srv:<18} {size:>5} {conns:>6} {med:>12.1f} {100 * spread:>4.0f}% {mibs:>10.1f}"
              f" {cpu:>10.1f}")
PY
