// SPDX-License-Identifier: GPL-2.0
/* What the measurements read: the clock, /proc/stat, zcopy's counters. */
#include <ctype.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/perf_event.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include "zcbench.h"

double zcb_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

long zcb_ticks_per_sec(void)
{
	return sysconf(_SC_CLK_TCK);
}

/*
 * The system calls the calling thread makes, as the kernel counts them:
 * a perf counter on the raw_syscalls:sys_enter tracepoint, this thread
 * only.  So a library that reaps completions from shared memory is
 * seen to make none, and one that makes a call per peek is seen to.
 * -1 where the kernel or tracefs cannot (then SYS() counts).
 */
int zcb_syscall_counter(void)
{
	static const char *const ids[] = {
		"/sys/kernel/tracing/events/raw_syscalls/sys_enter/id",
		"/sys/kernel/debug/tracing/events/raw_syscalls/sys_enter/id",
	};
	struct perf_event_attr a = {
		.type = PERF_TYPE_TRACEPOINT,
		.size = sizeof(a),
		.exclude_hv = 1,
	};
	unsigned int i;
	FILE *f;

	for (i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		f = fopen(ids[i], "r");
		if (!f)
			continue;
		if (fscanf(f, "%llu", (unsigned long long *)&a.config) != 1)
			a.config = 0;
		fclose(f);
		if (a.config)
			return syscall(SYS_perf_event_open, &a, 0, -1, -1,
				       PERF_FLAG_FD_CLOEXEC);
	}
	return -1;
}

long long zcb_syscall_count(int fd)
{
	uint64_t v;

	return read(fd, &v, sizeof(v)) == sizeof(v) ? (long long)v : -1;
}

/*
 * The "cpu" line of /proc/stat: every CPU, every task, kernel threads
 * and interrupts included.  Busy is everything but idle and iowait.
 */
int zcb_cpu_sample(struct cpu_sample *s)
{
	unsigned long long v[10] = { 0 };
	char line[512];
	FILE *f = fopen("/proc/stat", "r");
	int i, n;

	if (!f)
		return -1;
	n = fgets(line, sizeof(line), f) ?
	    sscanf(line, "cpu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu",
		   &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7],
		   &v[8], &v[9]) : 0;
	fclose(f);
	if (n < 8)
		return -1;
	/* user nice system idle iowait irq softirq steal (guest in user) */
	s->total = s->busy = 0;
	for (i = 0; i < 8; i++)
		s->total += v[i];
	s->busy = s->total - v[3] - v[4];
	return 0;
}

/* Write @s to the file at @path (procfs, cgroupfs); 0 or -1. */
int zcb_write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), rc;

	if (fd < 0)
		return -1;
	rc = write(fd, s, strlen(s)) == (ssize_t)strlen(s) ? 0 : -1;
	close(fd);
	return rc;
}

int zcb_drop_caches(void)
{
	sync();
	return zcb_write_file("/proc/sys/vm/drop_caches", "3");
}

/* Reads the whole file into the page cache. */
int zcb_warm(int fd, size_t size)
{
	static char buf[1 << 20];
	size_t off = 0;
	ssize_t n;

	while (off < size) {
		n = pread(fd, buf, sizeof(buf), off);
		if (n <= 0)
			return -1;
		off += n;
	}
	return 0;
}

static int json_u64(const char *text, const char *key, uint64_t *v)
{
	const char *p = strstr(text, key);

	if (!p)
		return -1;
	p += strlen(key);
	while (*p && !isdigit((unsigned char)*p))
		p++;
	*v = strtoull(p, NULL, 10);
	return 0;
}

/*
 * The counters of the calling thread's network namespace (the sender's,
 * where its contexts are), through zcctl (the generic netlink family).
 */
int zcb_zcopy_counters(uint64_t *zerocopy, uint64_t *copied)
{
	char text[4096];
	size_t n;
	FILE *p = popen("zcctl -j stats 2>/dev/null", "r");

	if (!p)
		return -1;
	n = fread(text, 1, sizeof(text) - 1, p);
	text[n] = 0;
	if (pclose(p) != 0)
		return -1;
	if (json_u64(text, "\"bytes_zerocopy\"", zerocopy) ||
	    json_u64(text, "\"bytes_copied\"", copied))
		return -1;
	return 0;
}
