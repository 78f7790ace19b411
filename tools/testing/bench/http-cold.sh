#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# http-cold.sh OUTDIR DATADIR SECONDS [FILES [TLS]]: a CDN-like cold point.
# FILES distinct 1 MiB files (default 1536), more than the page cache
# can hold, requested in random order by wrk from the receiving side of
# the wire, at 16 connections for SECONDS and then 256 for four times as
# long (each of 256 connections waits for its share of a slow disk, so a
# short run would count only the first few replies), against nginx
# (sendfile on, aio threads: its thread pool), zcserve --mode sendfile
# and zcserve --mode zcopy.  Each run starts from a dropped cache.
# During each run `zcbench dstate` samples the peak of threads in D
# state in the guest, of those waiting on a file read, and of those the
# server's (its processes' threads, or kernel threads: a module's
# workers), and the kernel's count of tasks in I/O wait; during zcopy
# runs `zcctl -j stats` is read before, after and every 0.5 s for
# zcopy's disk-read counters and gauges (n/a where the module has none),
# by one loop in the server's namespace: a process started ten times a
# second took CPU from the zcopy runs alone (256 connections: 49-59
# requests/s with it, 71-72 without, in one ad hoc run).  When the nginx
# module is built (make nginx-module), nginx with "zcopy on;" and nginx
# with neither it nor aio threads (nginx-sendfile) join them.  During
# every run hot-latency.py asks for a 64 KiB file that stays cached, ten
# times a second, for its latency (p50, p99) beside the cold load.
# Writes OUTDIR/http-cold.csv and prints a table.  With TLS (1.2 or
# 1.3), the same over HTTPS, into OUTDIR/https-cold.csv: nginx with
# kernel TLS as well as aio threads, zcserve on kernel TLS.
#
# The page cache is made small by locking memory (squeeze.py) rather
# than by booting a second, smaller guest: the other points of the run
# keep their 4 GiB and one boot serves all, and writing a set larger
# than 4 GiB would take longer than the measurements.  LEAVE_MIB of
# MemAvailable stay for the page cache, socket buffers and the servers.
set -euo pipefail

out=${1:?usage: http-cold.sh OUTDIR DATADIR SECONDS [FILES [TLS]]} data=${2:?}
secs=${3:-10} nfiles=${4:-1536} tls=${5:-}
leave_mib=${LEAVE_MIB:-512}
here=$(cd "$(dirname "$0")" && pwd)
www=$data/www
conf=$out/nginx-cold
name=http-cold scheme=http nginx_name=nginx-aio-threads tls_opts=()
mkdir -p "$www/cold" "$conf"
if [ -n "$tls" ]; then
	name=https-cold scheme=https nginx_name=nginx-ktls-aio-threads
	conf=$out/nginx-cold-tls
	mkdir -p "$conf"
	modprobe -q tls 2>/dev/null || true
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
		-days 2 -subj /CN=bench -keyout "$conf/key.pem" -out "$conf/cert.pem" 2>/dev/null
	tls_opts=(--tls-cert "$conf/cert.pem" --tls-key "$conf/key.pem" --tls-version "$tls")
fi

# The same bytes, rotated by a different amount in each file, so that
# no two files and no two of their pages are alike: a server sending
# the wrong file or the wrong page fails the cmp below.
python3 - "$www/cold" "$nfiles" <<'PY'
import os, sys
d, n = sys.argv[1], int(sys.argv[2])
base = os.urandom(1 << 20)
for i in range(n):
    p = os.path.join(d, f"f{i:05d}.bin")
    if os.path.exists(p) and os.path.getsize(p) == 1 << 20:
        continue
    k = (i * 4099 + 1) % (1 << 20)
    with open(p, "wb") as f:
        f.write(base[k:] + base[:k])
PY
sync

"$here/squeeze.py" "$leave_mib" >"$out/squeeze.txt" &
squeeze=$!
server=
samplers=()
cleanup() {
	for p in "${samplers[@]}" $server $squeeze; do
		kill "$p" 2>/dev/null || true
	done
	wait 2>/dev/null || true
}
trap cleanup EXIT
for _ in $(seq 600); do
	[ -s "$out/squeeze.txt" ] && break
	kill -0 "$squeeze" 2>/dev/null || { echo "http-cold.sh: squeeze.py failed" >&2; exit 1; }
	sleep 0.2
done
read -r locked avail <"$out/squeeze.txt"
locked=${locked#locked_mib=} avail=${avail#available_mib=}
echo "cold set: $nfiles files of 1 MiB; page cache room: about $avail MiB" \
	"($locked MiB locked away)${tls:+; HTTPS, TLS $tls}" | tee "$out/$name.txt"

threads=1
if ! nginx -V 2>&1 | grep -q -- --with-threads; then
	threads=0
	echo "nginx: built without --with-threads, so no aio threads: not measured" |
		tee -a "$out/$name.txt"
fi

# nginx with the zcopy module (make nginx-module), if built: the same
# configuration with "zcopy on;" instead of "aio threads;".
module=$(cd "$here/../../.." && pwd)/build/nginx/ngx_http_zcopy_module.so
zcopy_name=
mkdir -p "$conf/zcopy"
if [ -n "$tls" ]; then
	tls_directives=("ssl_certificate $conf/cert.pem;" "ssl_certificate_key $conf/key.pem;"
		"ssl_protocols TLSv$tls;" "ssl_session_tickets off;"
		"ssl_conf_command Options KTLS;")
	"$(dirname "$0")/nginx-conf.sh" "$conf" "$www" "8091 ssl" "aio threads;" \
		"${tls_directives[@]}"
	if [ -f "$module" ]; then
		zcopy_name=nginx-ktls-zcopy
		NGINX_MAIN="load_module $module;" "$(dirname "$0")/nginx-conf.sh" \
			"$conf/zcopy" "$www" "8091 ssl" "zcopy on;" "${tls_directives[@]}"
	fi
else
	"$(dirname "$0")/nginx-conf.sh" "$conf" "$www" 8091 "aio threads;"
	if [ -f "$module" ]; then
		zcopy_name=nginx-zcopy
		NGINX_MAIN="load_module $module;" "$(dirname "$0")/nginx-conf.sh" \
			"$conf/zcopy" "$www" 8091 "zcopy on;"
		# And nginx as it comes (sendfile, no aio), for the hot file's
		# latency beside the two.
		mkdir -p "$conf/sendfile"
		"$(dirname "$0")/nginx-conf.sh" "$conf/sendfile" "$www" 8091
	fi
fi
# The hot file: 64 KiB that every server's probe asks for during the
# cold load (hot-latency.py), and that stays in the page cache.
head -c 65536 /dev/urandom >"$www/hot.bin"

url=$scheme://198.18.0.1:8091
start_server() {
	case "$1" in
	nginx-*zcopy) ip netns exec wire0 nginx -e "$conf/zcopy/error.log" \
		-c "$conf/zcopy/nginx.conf" & ;;
	nginx-sendfile) ip netns exec wire0 nginx -e "$conf/sendfile/error.log" \
		-c "$conf/sendfile/nginx.conf" & ;;
	nginx-*) ip netns exec wire0 nginx -e "$conf/error.log" -c "$conf/nginx.conf" & ;;
	*) ip netns exec wire0 zcserve --mode "${1#zcserve-}" --port 8091 \
		"${tls_opts[@]}" "$www" & ;;
	esac
	server=$!
	for _ in $(seq 50); do
		ip netns exec wire1 curl -skf -o /dev/null "$url/cold/f00000.bin" && return
		sleep 0.2
	done
	echo "http-cold.sh: $1 did not start" >&2
	return 1
}

stop_server() {
	kill "$server" 2>/dev/null || true
	wait "$server" 2>/dev/null || true
	server=
}

drop_caches() {
	sync
	echo 3 >/proc/sys/vm/drop_caches
}

# The counters of the server's network namespace.
stats() {
	ip netns exec wire0 zcctl -j stats 2>/dev/null || true
}

echo "server,size,conns,seconds,files,cache_mib,requests_per_s,transfer_mib_s,errors," \
	"peak_d,peak_d_read,peak_server_read,peak_iowait,dstate_samples,reads_async,reads_blocking,peak_read_threads," \
	"peak_disk_waiting,hot_p50_ms,hot_p99_ms" | tr -d ' ' >"$out/$name.csv"
printf '%-22s %6s %11s %8s %4s %5s %6s %6s %12s %14s %12s %8s %8s\n' server conns requests/s \
	MiB/s D read server iowait reads_async reads_blocking read_threads hot_p50 hot_p99 |
	tee -a "$out/$name.txt"
servers=(zcserve-sendfile zcserve-zcopy)
[ "$threads" = 1 ] && servers=("$nginx_name" "${servers[@]}")
[ -n "$zcopy_name" ] && servers+=("$zcopy_name")
[ -d "$conf/sendfile" ] && servers+=(nginx-sendfile)
for srv in "${servers[@]}"; do
	start_server "$srv"
	# One file, chosen at random, must come back whole before timing.
	f=$(printf 'cold/f%05d.bin' $((RANDOM % nfiles)))
	ip netns exec wire1 curl -skf "$url/$f" | cmp - "$www/$f"
	for c in 16 256; do
		tag=$out/${name#http-}-$srv-$c
		drop_caches
		zcbench dstate --pid "$server" >"$tag.dstate" &
		samplers=($!)
		if [[ $srv == *-zcopy ]]; then
			stats >"$tag.before.json"
			ip netns exec wire0 sh -c 'while sleep 0.5; do zcctl -j stats 2>/dev/null; done' \
				>"$tag.samples.json" &
			samplers+=($!)
		fi
		dur=$secs
		[ "$c" -lt 256 ] || dur=$((secs * 4))
		ip netns exec wire1 "$here/hot-latency.py" "$url/hot.bin" "$dur" >"$tag.hot" &
		hot=$!
		res=$(ip netns exec wire1 wrk -t 2 -c "$c" -d "${dur}s" --timeout 30s \
			-s "$here/cold-random.lua" "$url/" -- "$nfiles")
		wait "$hot" || true
		read -r h50 h99 _ <"$tag.hot" || true
		h50=${h50#hot_p50_ms=} h99=${h99#hot_p99_ms=}
		for p in "${samplers[@]}"; do
			kill "$p" 2>/dev/null || true
			wait "$p" 2>/dev/null || true
		done
		samplers=()
		if grep -q 'Non-2xx' <<<"$res"; then
			echo "http-cold.sh: $srv, $c connections: error responses:" >&2
			echo "$res" >&2
			exit 1
		fi
		# Timeouts under a cold load are a result, not a failure: kept.
		errors=$(awk '/^  Socket errors:/ {sub(/^  Socket errors: /, ""); gsub(/,/, ""); print}' \
			<<<"$res")
		rps=$(awk '/^Requests\/sec:/ {print $2}' <<<"$res")
		mibs=$(awk '/^Transfer\/sec:/ {v=$2; u=substr(v, length(v)-1); v=v+0;
			if (u == "GB") v *= 1024; else if (u == "KB") v /= 1024; print v}' <<<"$res")
		d='' dr='' dsrv='' ds='' iow='' at_peak=''
		{ read -r d dr dsrv ds _ _ iow _ && read -r at_peak; } <"$tag.dstate" || true
		d=${d#peak_d=} dr=${dr#peak_d_read=} dsrv=${dsrv#peak_own_read=} ds=${ds#samples=}
		iow=${iow#peak_iowait=}
		d=${d:-n/a} dr=${dr:-n/a} dsrv=${dsrv:-n/a} ds=${ds:-n/a} iow=${iow:-n/a}
		ra=n/a rb=n/a rt=n/a dw=n/a
		if [[ $srv == *-zcopy ]]; then
			stats >"$tag.after.json"
			read -r ra rb rt dw _ < <("$here/zcstats.py" "$tag.before.json" \
				"$tag.after.json" "$tag.samples.json")
			ra=${ra#*=} rb=${rb#*=} rt=${rt#*=} dw=${dw#*=}
		fi
		h50=${h50:-n/a} h99=${h99:-n/a}
		echo "$srv,1M,$c,$dur,$nfiles,$avail,$rps,$mibs,${errors:-none},$d,$dr,$dsrv,$iow,$ds,$ra,$rb,$rt,$dw,$h50,$h99" \
			>>"$out/$name.csv"
		printf '%-22s %6s %11s %8s %4s %5s %6s %6s %12s %14s %12s %8s %8s\n' "$srv" "$c" \
			"$rps" "$mibs" "$d" "$dr" "$dsrv" "$iow" "$ra" "$rb" "$rt" "$h50" "$h99" |
			tee -a "$out/$name.txt"
		echo "  ${at_peak:-at_peak: n/a}" | tee -a "$out/$name.txt"
		[ -z "$errors" ] || echo "  socket errors: $errors" | tee -a "$out/$name.txt"
	done
	stop_server
done
