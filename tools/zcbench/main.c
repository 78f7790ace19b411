// SPDX-License-Identifier: GPL-2.0
/*
 * zcbench: send the same file to a discarding receiver with every
 * file-to-socket method and compare what each costs.
 *
 *   zcbench [run] [options]      the method matrix (below)
 *   zcbench blocking [options]   how long submitting a file holds its caller
 *   zcbench scaling [options]    cost of reaping one completion among N
 *   zcbench dstate               peak of threads in D state, until a signal
 *   zcbench cgroup [options]     whether the work stays in a capped cgroup
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>
#include <linux/tls.h>

#include "report.h"
#include "zcbench.h"

const struct method *const zcb_methods[] = {
	&zcb_read_write, &zcb_mmap_write, &zcb_sendfile, &zcb_sendfile_cork,
	&zcb_splice, &zcb_msg_zerocopy, &zcb_uring_splice, &zcb_zcopy,
	&zcb_zcopy_release, &zcb_zcopy_read, &zcb_zcopy_copy, NULL,
};

/* A response's head, as far as it goes; the rest of --header is zeros. */
const char zcb_header[ZCB_HEADER_MAX] =
	"HTTP/1.1 200 OK\r\nServer: zcbench\r\nContent-Type: "
	"application/octet-stream\r\nConnection: keep-alive\r\n";

const struct method *zcb_method(const char *name)
{
	int i;

	for (i = 0; zcb_methods[i]; i++)
		if (!strcmp(zcb_methods[i]->name, name))
			return zcb_methods[i];
	return NULL;
}

int zcb_blocking_main(int argc, char **argv);
int zcb_scaling_main(int argc, char **argv);
int zcb_dstate_main(int argc, char **argv);
int zcb_cgroup_main(int argc, char **argv);

static void usage(FILE *f)
{
	int i;

	fprintf(f,
"usage: zcbench [run] [options]\n"
"       zcbench blocking [--size SIZE] [--repeat N] [--dir DIR] [--net NET]\n"
"                        [--conns N] [--conns-size SIZE] [--cached]\n"
"       zcbench scaling [--sockets LIST] [--samples N]\n"
"       zcbench dstate [--interval-us N]\n"
"       zcbench cgroup [--cpu-max PCT] [--conns N] [--bytes SIZE] [--dir DIR]\n"
"\n"
"Sends the same file, over and over, to a receiver that discards it, with\n"
"each method, and reports the median of the repeats and their spread (+- half\n"
"the range).  CPU is system-wide busy time from /proc/stat.  Each connection\n"
"keeps DEPTH files in flight and the receiver acknowledges every BATCH files\n"
"(pipelined); latency is from a file's beginning to its acknowledgement.\n"
"\n"
"  -m, --methods LIST   methods (default: all):");
	for (i = 0; zcb_methods[i]; i++)
		fprintf(f, " %s", zcb_methods[i]->name);
	fprintf(f, "\n"
"  -s, --sizes LIST     file sizes (default 4K,64K,1M,64M,1G)\n"
"  -c, --conns LIST     concurrent connections (default 1,16,256)\n"
"      --cache LIST     cached,cold (default both)\n"
"  -n, --net LIST       wire,loopback (default both; wire needs the VM's\n"
"                       network namespaces wire0 and wire1)\n"
"  -r, --repeat N       repeats of each point (default 5)\n"
"  -D, --depth N        files in flight per connection (default 16)\n"
"  -B, --batch N        files per acknowledgement (default: half the depth,\n"
"                       fewer for large files, at least one per MiB)\n"
"  -w, --stop-and-wait  depth 1, batch 1: each file waits for its\n"
"                       acknowledgement before the next begins\n"
"  -b, --bytes SIZE     send at least this much per measurement (default 256M)\n"
"      --cold-rounds N  at most N rounds per cold measurement (default 4);\n"
"                       cold points are always stop and wait\n"
"  -t, --time SECONDS   or stop after the batch that passes SECONDS (default 3)\n"
"  -d, --dir DIR        where the test files are made (default .)\n"
"      --csv FILE, --json FILE, --plot FILE.png\n"
"  -q, --quiet          no table on standard output\n"
"  -H, --header SIZE    a response's head of SIZE bytes (at most 4K) before\n"
"                       each file, the receiver counting both: sendfile\n"
"                       writes it first, sendfile+cork between TCP_CORK\n"
"                       and its removal (nginx's tcp_nopush), zcopy as a\n"
"                       buffer linked to the file, one submission\n"
"  -F, --frame SIZE     each file as frames of SIZE bytes (at most 64K-9),\n"
"                       each after a 9-byte header, as HTTP/2 sends DATA:\n"
"                       read+write a frame per write, sendfile a write and\n"
"                       a sendfile per frame, zcopy every frame's header\n"
"                       and range as one submission\n"
"      --tls VERSION    kTLS (1.2 or 1.3, AES-GCM-128) on every connection:\n"
"                       the sender encrypts, the receiver decrypts all (the\n"
"                       tls module must be loaded); not msg_zerocopy\n"
"\n"
"zcopy+copy is zcopy in copy mode (zcctl config set copy-mode on, as root,\n"
"and off after it); it runs only when -m names it.\n");
}

static char *next_item(char **list)
{
	return strsep(list, ",");
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "methods", 1, NULL, 'm' }, { "sizes", 1, NULL, 's' },
		{ "conns", 1, NULL, 'c' }, { "cache", 1, NULL, 'C' },
		{ "net", 1, NULL, 'n' }, { "repeat", 1, NULL, 'r' },
		{ "bytes", 1, NULL, 'b' }, { "cold-rounds", 1, NULL, 'R' },
		{ "time", 1, NULL, 't' }, { "depth", 1, NULL, 'D' },
		{ "batch", 1, NULL, 'B' }, { "stop-and-wait", 0, NULL, 'w' },
		{ "dir", 1, NULL, 'd' }, { "csv", 1, NULL, 'v' },
		{ "json", 1, NULL, 'j' }, { "plot", 1, NULL, 'p' },
		{ "quiet", 0, NULL, 'q' }, { "help", 0, NULL, 'h' },
		{ "header", 1, NULL, 'H' }, { "frame", 1, NULL, 'F' },
		{ "tls", 1, NULL, 'T' }, { 0 },
	};
	char methods[256] = "", sizes[256] = "4K,64K,1M,64M,1G";
	char conns[256] = "1,16,256", caches[64] = "cached,cold";
	char nets[64] = "wire,loopback";
	const char *csv = NULL, *json = NULL, *png = NULL;
	struct options o = { .bytes = 256 << 20, .cold_rounds = 4, .max_secs = 3,
			     .repeat = 5, .port = ZCB_PORT, .dir = ".",
			     .depth = 16 };
	struct rlimit nofile = { 65536, 65536 };
	struct result *res = NULL;
	int nres = 0, opt, i, failed = 0, all;
	size_t sz;
	char *l1, *l2, *l3, *l4, *l5, *a, *b, *c, *d, *e;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc > 1 && !strcmp(argv[1], "blocking"))
		return zcb_blocking_main(argc - 1, argv + 1);
	if (argc > 1 && !strcmp(argv[1], "scaling"))
		return zcb_scaling_main(argc - 1, argv + 1);
	if (argc > 1 && !strcmp(argv[1], "dstate"))
		return zcb_dstate_main(argc - 1, argv + 1);
	if (argc > 1 && !strcmp(argv[1], "cgroup"))
		return zcb_cgroup_main(argc - 1, argv + 1);
	if (argc > 1 && !strcmp(argv[1], "run"))
		argc--, argv++;
	while ((opt = getopt_long(argc, argv, "m:s:c:n:r:b:t:D:B:wd:qhH:F:", longopts, NULL)) != -1) {
		switch (opt) {
		case 'm': snprintf(methods, sizeof(methods), "%s", optarg); break;
		case 's': snprintf(sizes, sizeof(sizes), "%s", optarg); break;
		case 'c': snprintf(conns, sizeof(conns), "%s", optarg); break;
		case 'C': snprintf(caches, sizeof(caches), "%s", optarg); break;
		case 'n': snprintf(nets, sizeof(nets), "%s", optarg); break;
		case 'r': o.repeat = atoi(optarg); break;
		case 'b':
			if (zcb_parse_size(optarg, &sz)) {
				fprintf(stderr, "zcbench: bad size %s\n", optarg);
				return 2;
			}
			o.bytes = sz;
			break;
		case 'R': o.cold_rounds = atol(optarg); break;
		case 't': o.max_secs = atof(optarg); break;
		case 'D': o.depth = atoi(optarg); break;
		case 'B': o.batch = atoi(optarg); break;
		case 'w': o.depth = o.batch = 1; break;
		case 'd': o.dir = optarg; break;
		case 'v': csv = optarg; break;
		case 'j': json = optarg; break;
		case 'p': png = optarg; break;
		case 'q': o.quiet = 1; break;
		case 'H':
			if (zcb_parse_size(optarg, &o.header) ||
			    o.header > ZCB_HEADER_MAX) {
				fprintf(stderr, "zcbench: --header takes 0 to %d bytes\n",
					ZCB_HEADER_MAX);
				return 2;
			}
			break;
		case 'F':
			if (zcb_parse_size(optarg, &o.frame) || !o.frame ||
			    o.frame > ZCB_FRAME_MAX) {
				fprintf(stderr, "zcbench: --frame takes 1 to %d bytes\n",
					ZCB_FRAME_MAX);
				return 2;
			}
			break;
		case 'T':
			if (!strcmp(optarg, "1.2")) {
				zcb_tls_version = TLS_1_2_VERSION;
			} else if (!strcmp(optarg, "1.3")) {
				zcb_tls_version = TLS_1_3_VERSION;
			} else {
				fprintf(stderr, "zcbench: --tls takes 1.2 or 1.3\n");
				return 2;
			}
			break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind < argc || o.repeat < 1 || o.repeat > 100 || o.cold_rounds < 1 ||
	    o.max_secs <= 0) {
		usage(stderr);
		return 2;
	}
	if (o.depth < 1 || o.depth > 1024 || o.batch < 0 || o.batch > o.depth) {
		fprintf(stderr, "zcbench: depth must be 1..1024 and batch 0..depth\n");
		return 2;
	}
	if (o.header && o.frame) {
		fprintf(stderr, "zcbench: --header or --frame, not both\n");
		return 2;
	}
	/*
	 * By default every method, or with --header every one that sends
	 * it, and with --tls every one that kTLS takes; zcopy+copy only
	 * when named.
	 */
	for (i = 0, all = !*methods; all && zcb_methods[i]; i++)
		if (!zcb_methods[i]->named_only &&
		    (!o.header || zcb_methods[i]->headers) &&
		    (!o.frame || zcb_methods[i]->frames) &&
		    (!zcb_tls_version || !zcb_methods[i]->no_tls))
			snprintf(methods + strlen(methods), sizeof(methods) - strlen(methods),
				 "%s%s", *methods ? "," : "", zcb_methods[i]->name);
	/* Validate every list before the first measurement. */
	for (l1 = strdupa(methods); (a = next_item(&l1));) {
		if (!zcb_method(a)) {
			fprintf(stderr, "zcbench: unknown method '%s'\n", a);
			return 2;
		}
		if (o.frame && !zcb_method(a)->frames) {
			fprintf(stderr, "zcbench: %s sends no frames: pick from "
				"read+write,sendfile,zcopy,zcopy+read,zcopy+copy\n", a);
			return 2;
		}
		if (zcb_tls_version && zcb_method(a)->no_tls) {
			fprintf(stderr, "zcbench: %s cannot send on kTLS\n", a);
			return 2;
		}
		if (o.header && !zcb_method(a)->headers) {
			fprintf(stderr, "zcbench: %s sends no headers: pick from "
				"sendfile,sendfile+cork,zcopy,zcopy+release,zcopy+read,"
				"zcopy+copy\n", a);
			return 2;
		}
	}
	for (l1 = strdupa(sizes); (a = next_item(&l1));)
		if (zcb_parse_size(a, &sz)) {
			fprintf(stderr, "zcbench: bad size '%s'\n", a);
			return 2;
		}
	for (l1 = strdupa(conns); (a = next_item(&l1));)
		if (atoi(a) < 1 || atoi(a) > ZCB_MAX_CONNS) {
			fprintf(stderr, "zcbench: connections must be 1..%d\n", ZCB_MAX_CONNS);
			return 2;
		}
	for (l1 = strdupa(caches); (a = next_item(&l1));)
		if (strcmp(a, "cached") && strcmp(a, "cold")) {
			fprintf(stderr, "zcbench: cache is cached or cold, not '%s'\n", a);
			return 2;
		}
	for (l1 = strdupa(nets); (a = next_item(&l1));)
		if (!zcb_topology(a)) {
			fprintf(stderr, "zcbench: net is wire or loopback, not '%s'\n", a);
			return 2;
		}
	/* 256 connections and their pipes pass the usual soft limit of 1024. */
	if (setrlimit(RLIMIT_NOFILE, &nofile) && !getrlimit(RLIMIT_NOFILE, &nofile)) {
		nofile.rlim_cur = nofile.rlim_max;
		setrlimit(RLIMIT_NOFILE, &nofile);
	}
	if (!o.quiet)
		zcb_table_header(stdout);

	for (l1 = strdupa(nets); (a = next_item(&l1));)
	for (l2 = strdupa(caches); (b = next_item(&l2));)
	for (l3 = strdupa(conns); (c = next_item(&l3));)
	for (l4 = strdupa(sizes); (d = next_item(&l4));) {
		struct point p = {
			.net = zcb_topology(a),
			.cold = !strcmp(b, "cold"), .conns = atoi(c),
		};
		const struct method *ms[16];
		struct sample s[16][100];
		int nm = 0, rep, file;

		memset(s, 0, sizeof(s));
		zcb_parse_size(d, &p.size);
		zcb_point_window(&p, &o);
		file = zcb_file(o.dir, p.size);
		if (file < 0)
			return 1;
		for (l5 = strdupa(methods); (e = next_item(&l5)) && nm < 16;)
			ms[nm++] = zcb_method(e);
		/* Methods interleaved within each repeat, so drift hits all. */
		for (rep = 0; rep < o.repeat; rep++)
			for (i = 0; i < nm; i++)
				if (zcb_measure(&p, ms[i], &o, file, &s[i][rep])) {
					fprintf(stderr, "zcbench: %s failed at %s %s %d x %s\n",
						ms[i]->name, a, b, p.conns, d);
					failed = 1;
					s[i][rep].mib_s = -1;
				}
		close(file);
		res = realloc(res, (nres + nm) * sizeof(*res));
		for (i = 0; i < nm; i++) {
			struct result *r = &res[nres++];
			double v[7][100];

			memset(r, 0, sizeof(*r));
			r->p = p;
			r->method = ms[i]->name;
			r->repeats = o.repeat;
			r->files = s[i][0].files;
			for (rep = 0; rep < o.repeat; rep++) {
				v[0][rep] = s[i][rep].mib_s;
				v[1][rep] = s[i][rep].cpu_per_gib;
				v[2][rep] = s[i][rep].sys_per_gib;
				v[3][rep] = s[i][rep].zerocopy;
				v[4][rep] = s[i][rep].copied;
				v[5][rep] = s[i][rep].lat_p50;
				v[6][rep] = s[i][rep].lat_p99;
			}
			r->zerocopy = zcb_median(v[3], o.repeat);
			r->copied = zcb_median(v[4], o.repeat);
			r->mib_s = zcb_median(v[0], o.repeat);
			r->mib_s_spread = zcb_spread(v[0], o.repeat);
			r->cpu_per_gib = zcb_median(v[1], o.repeat);
			r->cpu_spread = zcb_spread(v[1], o.repeat);
			r->sys_per_gib = zcb_median(v[2], o.repeat);
			r->lat_p50 = zcb_median(v[5], o.repeat);
			r->lat_p99 = zcb_median(v[6], o.repeat);
			if (!o.quiet)
				zcb_table_row(stdout, r);
		}
	}
	if (csv && zcb_write_csv(csv, res, nres))
		perror(csv), failed = 1;
	if (json && zcb_write_json(json, res, nres))
		perror(json), failed = 1;
	if (png && zcb_plot(png, res, nres)) {
		fprintf(stderr, "zcbench: gnuplot could not make %s\n", png);
		failed = 1;
	}
	free(res);
	return failed;
}
