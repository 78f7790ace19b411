#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# nginx-conf.sh CONFDIR ROOT PORT [DIRECTIVE...]: write CONFDIR/nginx.conf
# for the benchmarks' nginx: one worker, no access log, sendfile on,
# tcp_nopush, long keep-alive, serving ROOT on PORT (with the listen
# parameters that follow it, such as "8443 ssl"), with each DIRECTIVE
# (such as "aio threads;") added to its http block; NGINX_MAIN, if set,
# goes to the top level (such as "load_module PATH;").
set -euo pipefail

conf=${1:?usage: nginx-conf.sh CONFDIR ROOT PORT [DIRECTIVE...]} root=${2:?} port=${3:?}
shift 3
extra=
for directive; do
	extra+=$'\t'"$directive"$'\n'
done
cat >"$conf/nginx.conf" <<CONF
${NGINX_MAIN:-}
worker_processes 1;
worker_rlimit_nofile 65536;
daemon off;
user root;
pid $conf/nginx.pid;
error_log $conf/error.log warn;
events { worker_connections 4096; }
http {
	access_log off;
	sendfile on;
${extra}	tcp_nopush on;
	keepalive_requests 100000000;
	keepalive_timeout 300s;
	default_type application/octet-stream;
	client_body_temp_path $conf/body;
	proxy_temp_path $conf/proxy;
	fastcgi_temp_path $conf/fastcgi;
	uwsgi_temp_path $conf/uwsgi;
	scgi_temp_path $conf/scgi;
	server { listen $port reuseport; root $root; }
}
CONF
