/* SPDX-License-Identifier: GPL-2.0 */
#ifndef ZCBENCH_REPORT_H
#define ZCBENCH_REPORT_H

#include <stdio.h>

#include "point.h"

/* One method at one point: the median of its repeats, and their spread. */
struct result {
	struct point p;
	const char *method;
	int repeats;
	long files;		/* of the first repeat */
	double mib_s, mib_s_spread;
	double cpu_per_gib, cpu_spread;
	double sys_per_gib;
	double lat_p50, lat_p99;	/* medians over the repeats, seconds */
	double zerocopy, copied;
};

const char *zcb_mode_name(const struct point *p);

void zcb_table_header(FILE *f);
void zcb_table_row(FILE *f, const struct result *r);
int zcb_write_csv(const char *path, const struct result *r, int n);
int zcb_write_json(const char *path, const struct result *r, int n);
int zcb_plot(const char *png, const struct result *r, int n);
const char *zcb_size_name(size_t size, char *buf, size_t len);
int zcb_parse_size(const char *s, size_t *size);

#endif
