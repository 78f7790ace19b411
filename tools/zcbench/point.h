/* SPDX-License-Identifier: GPL-2.0 */
#ifndef ZCBENCH_POINT_H
#define ZCBENCH_POINT_H

#include "zcbench.h"

/* Where the receiver is. */
struct topology {
	const char *name;
	const char *sender_ns, *receiver_ns;	/* NULL: our own namespace */
	const char *addr;
};

struct options {
	unsigned long long bytes;	/* to send per measurement, at least */
	long cold_rounds;		/* at most, per measurement */
	double max_secs;		/* stop after the batch that passes it */
	int depth;			/* files in flight per connection */
	int batch;			/* files per acknowledgement; 0: auto */
	int repeat;
	int port;
	size_t header;			/* bytes before each file; 0: none */
	size_t frame;			/* --frame: data bytes per frame; 0: none */
	const char *dir;
	int quiet;
};

struct point {
	const struct topology *net;
	int cold;
	int conns;
	size_t size;
	int depth, batch;	/* 1 and 1: stop and wait */
};

struct sample {
	long files;
	double mib_s, cpu_per_gib, sys_per_gib;
	double lat_p50, lat_p99;	/* per file, seconds */
	double zerocopy, copied;	/* shares of the bytes; -1: not zcopy */
};

const struct topology *zcb_topology(const char *name);
void zcb_point_window(struct point *p, const struct options *o);
int zcb_file(const char *dir, size_t size);
int zcb_file_nth(const char *dir, size_t size, int nth);
int zcb_measure(const struct point *p, const struct method *m,
		const struct options *o, int file, struct sample *s);

#endif
