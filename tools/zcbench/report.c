// SPDX-License-Identifier: GPL-2.0
/* The results as a table, CSV, JSON and a gnuplot PNG. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "report.h"

const char *zcb_size_name(size_t size, char *buf, size_t len)
{
	static const char unit[] = "KMGT";
	int u = -1;

	while (size >= 1024 && !(size % 1024) && u < 3) {
		size /= 1024;
		u++;
	}
	if (u < 0)
		snprintf(buf, len, "%zu", size);
	else
		snprintf(buf, len, "%zu%c", size, unit[u]);
	return buf;
}

int zcb_parse_size(const char *s, size_t *size)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 10);

	switch (*end) {
	case 'G': case 'g': v <<= 10; /* fall through */
	case 'M': case 'm': v <<= 10; /* fall through */
	case 'K': case 'k': v <<= 10; end++; break;
	}
	if (end == s || *end || !v)
		return -1;
	*size = v;
	return 0;
}

static const char *cache_name(int cold)
{
	return cold ? "cold" : "cached";
}

/* A window no larger than a batch leaves nothing in flight while waiting. */
const char *zcb_mode_name(const struct point *p)
{
	return p->depth > p->batch ? "pipelined" : "stop-and-wait";
}

void zcb_table_header(FILE *f)
{
	fprintf(f, "%-9s %-6s %5s %5s %6s %-14s %10s %6s %10s %6s %11s %9s %9s %6s %6s\n",
		"net", "cache", "conns", "size", "window", "method", "MiB/s", "+-",
		"CPU s/GiB", "+-", "syscall/GiB", "p50 ms", "p99 ms", "zc%", "copy%");
}

void zcb_table_row(FILE *f, const struct result *r)
{
	char sz[16], win[16], zc[8] = "-", cp[8] = "-";

	if (r->zerocopy >= 0) {
		snprintf(zc, sizeof(zc), "%.0f", 100 * r->zerocopy);
		snprintf(cp, sizeof(cp), "%.0f", 100 * r->copied);
	}
	snprintf(win, sizeof(win), "%d/%d", r->p.depth, r->p.batch);
	fprintf(f, "%-9s %-6s %5d %5s %6s %-14s %10.1f %5.0f%% %10.2f %5.0f%% %11.0f %9.3f %9.3f %6s %6s\n",
		r->p.net->name, cache_name(r->p.cold), r->p.conns,
		zcb_size_name(r->p.size, sz, sizeof(sz)), win, r->method, r->mib_s,
		100 * r->mib_s_spread, r->cpu_per_gib, 100 * r->cpu_spread,
		r->sys_per_gib, 1e3 * r->lat_p50, 1e3 * r->lat_p99, zc, cp);
	fflush(f);
}

int zcb_write_csv(const char *path, const struct result *r, int n)
{
	FILE *f = fopen(path, "w");
	int i;

	if (!f)
		return -1;
	fprintf(f, "net,cache,conns,size,mode,depth,batch,method,repeats,files,mib_s,"
		   "mib_s_spread,cpu_s_per_gib,cpu_spread,syscalls_per_gib,"
		   "lat_p50_s,lat_p99_s,zerocopy_share,copied_share\n");
	for (i = 0; i < n; i++, r++)
		fprintf(f, "%s,%s,%d,%zu,%s,%d,%d,%s,%d,%ld,%.3f,%.4f,%.4f,%.4f,%.1f,"
			   "%.6f,%.6f,%.4f,%.4f\n",
			r->p.net->name, cache_name(r->p.cold), r->p.conns, r->p.size,
			zcb_mode_name(&r->p), r->p.depth, r->p.batch, r->method,
			r->repeats, r->files, r->mib_s, r->mib_s_spread,
			r->cpu_per_gib, r->cpu_spread, r->sys_per_gib, r->lat_p50,
			r->lat_p99, r->zerocopy, r->copied);
	return fclose(f);
}

int zcb_write_json(const char *path, const struct result *r, int n)
{
	FILE *f = fopen(path, "w");
	int i;

	if (!f)
		return -1;
	fprintf(f, "[\n");
	for (i = 0; i < n; i++, r++) {
		fprintf(f, "  {\"net\": \"%s\", \"cache\": \"%s\", \"conns\": %d, "
			   "\"size\": %zu, \"mode\": \"%s\", \"depth\": %d, "
			   "\"batch\": %d, \"method\": \"%s\", \"repeats\": %d, "
			   "\"files\": %ld, \"mib_s\": %.3f, \"mib_s_spread\": %.4f, "
			   "\"cpu_s_per_gib\": %.4f, \"cpu_spread\": %.4f, "
			   "\"syscalls_per_gib\": %.1f, \"lat_p50_s\": %.6f, "
			   "\"lat_p99_s\": %.6f",
			r->p.net->name, cache_name(r->p.cold), r->p.conns, r->p.size,
			zcb_mode_name(&r->p), r->p.depth, r->p.batch, r->method,
			r->repeats, r->files, r->mib_s, r->mib_s_spread,
			r->cpu_per_gib, r->cpu_spread, r->sys_per_gib, r->lat_p50,
			r->lat_p99);
		if (r->zerocopy >= 0)
			fprintf(f, ", \"zerocopy_share\": %.4f, \"copied_share\": %.4f",
				r->zerocopy, r->copied);
		fprintf(f, "}%s\n", i + 1 < n ? "," : "");
	}
	fprintf(f, "]\n");
	return fclose(f);
}

/*
 * CPU per GiB and throughput against file size, one line per method,
 * for the first topology, cached files and the fewest connections: the
 * points every run has.
 */
int zcb_plot(const char *png, const struct result *res, int n)
{
	char data[] = "/tmp/zcbench-plot-XXXXXX", sz[16], cmd[8192];
	const char *methods[32];
	int nm = 0, i, j, rc, minconns = 1 << 30;
	size_t len;
	FILE *f;

	for (i = 0; i < n; i++)
		if (res[i].p.conns < minconns)
			minconns = res[i].p.conns;
	for (i = 0; i < n && nm < 32; i++) {
		for (j = 0; j < nm && strcmp(methods[j], res[i].method); j++)
			;
		if (j == nm)
			methods[nm++] = res[i].method;
	}
	f = fdopen(mkstemp(data), "w");
	if (!f)
		return -1;
	/* One gnuplot data block per method. */
	for (j = 0; j < nm; j++) {
		fprintf(f, "\"%s\"\n", methods[j]);
		for (i = 0; i < n; i++) {
			const struct result *r = &res[i];

			if (strcmp(r->method, methods[j]) || r->p.cold ||
			    r->p.conns != minconns || r->p.net != res[0].p.net)
				continue;
			fprintf(f, "%zu %s %g %g\n", r->p.size,
				zcb_size_name(r->p.size, sz, sizeof(sz)),
				r->cpu_per_gib, r->mib_s);
		}
		fprintf(f, "\n\n");
	}
	fclose(f);
	len = snprintf(cmd, sizeof(cmd),
		"gnuplot -e \"set terminal pngcairo size 1400,560 noenhanced; "
		"set output '%s'; set multiplot layout 1,2 title "
		"'zcbench: %s, cached, %d connection(s), %s; median of repeats'; "
		"set logscale x 2; set grid; set key top left; set xlabel 'file size (bytes)'; "
		"set ylabel 'CPU seconds per GiB, system-wide'; set logscale y; "
		"plot for [i=0:%d] '%s' index i using 1:3:xtic(2) with linespoints title columnheader(1); "
		"set ylabel 'MiB/s'; set nologscale y; set key top left; "
		"plot for [i=0:%d] '%s' index i using 1:4:xtic(2) with linespoints title columnheader(1); "
		"unset multiplot\"",
		png, res[0].p.net->name, minconns, zcb_mode_name(&res[0].p), nm - 1,
		data, nm - 1, data);
	if (len >= sizeof(cmd)) {
		unlink(data);
		return -1;
	}
	rc = system(cmd);
	unlink(data);
	return rc ? -1 : 0;
}
