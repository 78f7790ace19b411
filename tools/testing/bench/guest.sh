#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# guest.sh OUTDIR full|quick|cold SECTION: one section of `make bench`,
# in the guest; guest.sh --sections full|quick|cold lists them, in the
# order run.sh boots a guest for each (a guest lost to the emulator
# costs one section, not the run).  On the VM's wire topology (wire0
# sends, wire1 receives) and on loopback: zcbench's method matrix
# (zcbench-N: pipelined, and stop and wait for per-file latency), a
# response per file (responses, frames), files over kTLS (tls), copy
# mode against zero-copy and sendfile (copymode), its
# cold-submit and completion-scaling probes (blocking, scaling), then
# wrk from wire1 against zcserve in each mode and against nginx
# (sendfile on, one worker) in wire0, same files, same connection
# counts (http), the same over HTTPS, TLS 1.3 and 1.2, against nginx
# with kernel TLS and with its own (https), and
# whether a sender's work stays in its capped cgroup (cgroup).  Last,
# the cold points of issue 13 (disk reads): threads parked on disk by
# many cold files at once (blocking) and a CDN-like cold HTTP point
# (http-cold).  "cold" runs only those, with the cold zcbench points.
set -euo pipefail

usage="usage: guest.sh OUTDIR full|quick|cold SECTION, or --sections full|quick|cold"
if [ "${1:-}" = --sections ]; then
	kind=${2:?$usage}
else
	out=${1:?$usage}
	kind=${2:?$usage}
	section=${3:?$usage}
fi

# The cost table is pipelined (zcbench's default window); the latency
# figure is measured apart, stop and wait, one connection.  Cold points
# are always stop and wait.  The targets (summary.py) need sendfile and
# zcopy at 1, 16 and 256 connections; 256 connections of 64 MiB files
# send 16 GiB per measurement, so only the full run has them, and only
# those two methods.  blocking --conns sends that many cold files at
# once, for the threads they park; http-cold.sh is the CDN-like point.
if [ "$kind" = cold ]; then
	runs=(
		"-n wire --cache cold -c 1 -s 1M,64M -m sendfile,io_uring,zcopy -r 3 --cold-rounds 2"
	)
	blocking=(--size 64M --repeat 3 --conns 64 --conns-size 1M)
	scaling=()
elif [ "$kind" = quick ]; then
	runs=(
		"-n wire --cache cached -c 1 -s 4K,64K,1M,64M -r 3 -b 32M -t 0.5"
		"-n wire --cache cached -c 16,256 -s 4K,64K,1M -m sendfile,zcopy -r 3 -b 32M -t 0.5"
		"-n wire --cache cached -c 1 -s 4K,64K -m sendfile,splice,io_uring,zcopy --stop-and-wait -r 3 -b 8M -t 0.5"
		"-n wire --cache cold -c 1 -s 1M,64M -r 3 --cold-rounds 2"
		"-n loopback --cache cached -c 1 -s 64K,64M -r 3 -b 32M -t 0.5"
	)
	blocking=(--size 64M --repeat 3 --conns 16 --conns-size 1M)
	scaling=(--sockets "10,100,1000,10000" --samples 50)
	responses="-r 3 -b 32M -t 0.5"
	wrk_secs=3	# three rounds (http.sh)
	https_secs=10 https_rounds=2 https_versions=(1.3)
else
	runs=(
		"-n wire --cache cached -c 1 -s 4K,64K,1M,64M,1G -r 5 -b 128M -t 2"
		"-n wire --cache cached -c 16,256 -s 4K,64K,1M -m sendfile,splice,io_uring,zcopy,zcopy+release -r 5 -b 128M -t 2"
		"-n wire --cache cached -c 16 -s 64M -m sendfile,splice,io_uring,zcopy,zcopy+release -r 3"
		"-n wire --cache cached -c 256 -s 64M -m sendfile,zcopy -r 3"
		"-n wire --cache cached -c 1 -s 4K,64K,1M --stop-and-wait -r 3 -b 32M -t 1"
		"-n wire --cache cold -c 1 -s 64K,1M,64M -r 5 --cold-rounds 2"
		"-n loopback --cache cached -c 1 -s 64K,64M -r 5 -b 128M -t 2"
	)
	blocking=(--size 64M --repeat 5 --conns 64 --conns-size 1M)
	scaling=(--sockets "10,100,1000,10000" --samples 200)
	responses="-r 5 -b 128M -t 2"
	wrk_secs=5	# three rounds (http.sh)
	https_secs=20 https_rounds=3 https_versions=(1.3 1.2)
fi

zcbench_sections=()
for i in "${!runs[@]}"; do
	zcbench_sections+=("zcbench-$((i + 1))")
done
case "$kind" in
cold) sections=("${zcbench_sections[@]}" blocking http-cold) ;;
# Quick leaves out http-cold: writing its 1.5 GiB set alone takes a minute.
quick) sections=("${zcbench_sections[@]}" responses frames tls copymode blocking scaling cgroup http https) ;;
*) sections=("${zcbench_sections[@]}" responses frames tls copymode blocking scaling cgroup http https http-cold https-cold) ;;
esac
if [ "${1:-}" = --sections ]; then
	echo "${sections[@]}"
	exit 0
fi

project=${ZCOPY_PROJECT:?}
export PATH=$project/tools/zcctl:$project/tools/zcbench:$project/tools/zcserve:$PATH
mkdir -p "$out"

# Test files on a real disk (virtio, uncached on the host) when there is
# one, so that cold means read from a device; otherwise ext4 on a loop
# device over tmpfs.
data=/tmp/zcbench-data
mkdir -p "$data"
modprobe -q virtio_blk 2>/dev/null || true
modprobe -q ext4 2>/dev/null || true
if [ -b /dev/vda ]; then
	mkfs.ext4 -q -F /dev/vda && mount /dev/vda "$data"
else
	modprobe -q loop 2>/dev/null || true
	truncate -s 1536M /tmp/zcbench.img && mkfs.ext4 -q -F /tmp/zcbench.img &&
		mount -o loop /tmp/zcbench.img "$data"
fi
cd "$data"
# What udev loads on a real machine from the CPU's features, and the
# guest's init does not: the AES-NI and carry-less multiply drivers,
# without which kernel TLS's AES-GCM runs the generic C cipher while
# user-space OpenSSL uses the instructions; and the tls module.
modprobe -q -a aesni_intel ghash_clmulni_intel tls 2>/dev/null || true

case "$section" in
zcbench-*)
	i=${section#zcbench-}
	r=${runs[$((i - 1))]}
	echo "## zcbench $r"
	plot=()
	# The plot is of the cached matrix, which a cold run has not.
	[ "$i" = 1 ] && [ "$kind" != cold ] && plot=(--plot "$out/zcbench.png")
	# shellcheck disable=SC2086
	zcbench $r --csv "$out/zcbench-$i.csv" --json "$out/zcbench-$i.json" \
		"${plot[@]}" | tee "$out/zcbench-$i.txt"
	;;
responses)
	# A response per file: a 200-byte head, each method's way (summary.py).
	echo "## zcbench responses --header 200 $responses"
	# shellcheck disable=SC2086
	zcbench -n wire --cache cached -c 1,16,256 -s 4K,64K,1M \
		-m sendfile,sendfile+cork,zcopy,zcopy+read --header 200 $responses \
		--csv "$out/responses.csv" | tee "$out/responses.txt"
	;;
frames)
	# HTTP/2-style framing: 16 KiB DATA frames, each with its 9-byte head.
	echo "## zcbench frames --frame 16K $responses"
	# shellcheck disable=SC2086
	zcbench -n wire --cache cached -c 16,256 -s 1M \
		-m read+write,sendfile,zcopy --frame 16K $responses \
		--csv "$out/frames.csv" | tee "$out/frames.txt"
	;;
tls)
	# kTLS, TLS 1.3: the sender encrypts, the receiver decrypts it all.
	echo "## zcbench tls --tls 1.3 $responses"
	# shellcheck disable=SC2086
	zcbench -n wire --cache cached -c 1,16,256 -s 64K,1M \
		-m read+write,sendfile,sendfile+cork,zcopy --tls 1.3 $responses \
		--csv "$out/tls.csv" | tee "$out/tls.txt"
	;;
copymode)
	# Copy mode against zero-copy and sendfile, cached and cold, plain
	# and over kTLS: zcopy+copy turns the module's setting on for itself.
	echo "## zcbench copy mode $responses"
	# shellcheck disable=SC2086
	zcbench -n wire --cache cached -c 1,16,256 -s 64K,1M \
		-m sendfile,zcopy,zcopy+copy $responses \
		--csv "$out/copymode.csv" | tee "$out/copymode.txt"
	# shellcheck disable=SC2086
	zcbench -n wire --cache cached -c 16 -s 64K,1M --tls 1.3 \
		-m sendfile,zcopy,zcopy+copy $responses \
		--csv "$out/copymode-tls.csv" | tee "$out/copymode-tls.txt"
	zcbench -n wire --cache cold -c 1 -s 1M -m sendfile,zcopy,zcopy+copy \
		-r 3 --cold-rounds 2 --csv "$out/copymode-cold.csv" |
		tee "$out/copymode-cold.txt"
	;;
blocking)
	echo "## zcbench blocking ${blocking[*]}"
	zcbench blocking "${blocking[@]}" --csv "$out/blocking.csv" | tee "$out/blocking.txt"
	;;
scaling)
	echo "## zcbench scaling ${scaling[*]}"
	zcbench scaling "${scaling[@]}" --csv "$out/scaling.csv" | tee "$out/scaling.txt"
	;;
cgroup)
	echo "## zcbench cgroup --bytes 64M --conns 64"
	zcbench cgroup --bytes 64M --conns 64 --dir "$data" | tee "$out/cgroup.txt"
	;;
http)
	"$project/tools/testing/bench/http.sh" "$out" "$data" "$wrk_secs"
	;;
https)
	# HTTPS: zcserve on kTLS against nginx both ways (http.sh).
	for v in "${https_versions[@]}"; do
		"$project/tools/testing/bench/http.sh" "$out" "$data" "$https_secs" \
			"$https_rounds" "$v"
	done
	;;
http-cold)
	# It locks most of the guest's memory away while it runs.
	echo "## http-cold.sh 10"
	"$project/tools/testing/bench/http-cold.sh" "$out" "$data" 10
	;;
https-cold)
	echo "## http-cold.sh 10 1536 1.3"
	"$project/tools/testing/bench/http-cold.sh" "$out" "$data" 10 1536 1.3
	;;
*)
	echo "guest.sh: no section $section in $kind" >&2
	exit 2
	;;
esac
