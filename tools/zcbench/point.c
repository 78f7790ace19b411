// SPDX-License-Identifier: GPL-2.0
/*
 * One measurement: a method sending one file over a number of
 * connections.  Cached, it is one stream of files with a window per
 * connection (stream.c) until enough bytes have gone or enough time has
 * passed; cold, it is rounds of one file per connection, the page cache
 * dropped before each.  Only the streams are measured -- wall time,
 * system-wide busy CPU time from /proc/stat, the sender's system calls
 * and each file's latency -- not the setup around them (connecting,
 * registering, dropping caches).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "zcbench.h"
#include "point.h"

unsigned long zcb_syscalls;

/*
 * The same bytes every run: a file of SIZE under DIR, made once; the
 * nth of its size if nth >= 0 (cold files that must not share pages).
 */
int zcb_file_nth(const char *dir, size_t size, int nth)
{
	static char buf[1 << 16];
	char path[4096];
	struct stat st;
	size_t off = 0, i;
	int fd;

	if (nth < 0)
		snprintf(path, sizeof(path), "%s/zcbench-%zu.dat", dir, size);
	else
		snprintf(path, sizeof(path), "%s/zcbench-%zu-%d.dat", dir, size, nth);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0 && !fstat(fd, &st) && (size_t)st.st_size == size)
		return fd;
	if (fd >= 0)
		close(fd);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		fprintf(stderr, "zcbench: %s: %s\n", path, strerror(errno));
		return -1;
	}
	for (i = 0; i < sizeof(buf); i++)
		buf[i] = (char)(i * 2654435761u >> 13);
	while (off < size) {
		size_t n = size - off < sizeof(buf) ? size - off : sizeof(buf);

		if (pwrite(fd, buf, n, off) != (ssize_t)n) {
			perror("zcbench: writing the test file");
			close(fd);
			return -1;
		}
		off += n;
	}
	fsync(fd);
	return fd;
}

int zcb_file(const char *dir, size_t size)
{
	return zcb_file_nth(dir, size, -1);
}

/* Past this many bytes of files per acknowledgement, one file is enough. */
#define ACK_BYTES	(1 << 20)

/*
 * The window of a point.  Cold points are stop and wait: each round
 * sends one file per connection from a dropped cache.  Cached points
 * keep depth files in flight and, unless told, acknowledge half a
 * window at a time -- but large files one by one, so that the first
 * batch, which every connection sends whole, stays one file.
 */
void zcb_point_window(struct point *p, const struct options *o)
{
	if (p->cold) {
		p->depth = p->batch = 1;
		return;
	}
	p->depth = o->depth;
	p->batch = o->batch;
	if (p->batch)
		return;
	p->batch = o->depth / 2 ? o->depth / 2 : 1;
	while (p->batch > 1 && p->size * p->batch > ACK_BYTES)
		p->batch /= 2;
}

static long cold_rounds(const struct point *p, const struct options *o)
{
	unsigned long long per_round = (unsigned long long)p->size * p->conns;
	long n = o->bytes / per_round;

	if (n < 1)
		n = 1;
	return n < o->cold_rounds ? n : o->cold_rounds;
}

static void close_conns(struct run *r)
{
	int i;

	for (i = 0; i < r->nconns; i++)
		if (r->conns[i].fd >= 0)
			close(r->conns[i].fd);
}

static long files_sent(const struct run *r)
{
	long n = 0;
	int i;

	for (i = 0; i < r->nconns; i++)
		n += r->conns[i].acked;
	return n;
}

/* One repeat of one method at one point; fills *s. */
int zcb_measure(const struct point *p, const struct method *m,
		const struct options *o, int file, struct sample *s)
{
	static struct run r;
	struct cpu_sample c0, c1;
	unsigned long long busy = 0;
	uint64_t zc0 = 0, cp0 = 0, zc1 = 0, cp1 = 0;
	double secs = 0, t0, bytes;
	long long sys0, sys1, sys_counted = 0;
	int sys_fd = -1;
	long rounds = p->cold ? cold_rounds(p, o) : 1, files = 0, i;
	int rc = -1, counters = !strncmp(m->name, "zcopy", 5);
	pid_t rx;

	memset(&r, 0, sizeof(r));
	r.m = m;
	r.file = file;
	r.size = p->size;
	r.hdr = o->header;
	r.frame = o->frame;
	r.nconns = p->conns;
	r.depth = p->depth;
	r.batch = p->batch;
	r.max_files = p->cold ? 1 : 0;
	r.budget = p->cold ? 0 : o->bytes;
	r.max_secs = p->cold ? 0 : o->max_secs;
	r.ep = -1;
	for (i = 0; i < p->conns; i++)
		r.conns[i].fd = -1;
	if (zcb_enter_netns(p->net->sender_ns))
		return -1;
	rx = zcb_receiver_start(p->net->receiver_ns, o->port,
				zcb_wire_size(p->size, o->header, o->frame),
				p->batch, p->conns);
	if (rx < 0) {
		fprintf(stderr, "zcbench: the receiver did not start\n");
		return -1;
	}
	for (i = 0; i < p->conns; i++) {
		r.conns[i].fd = zcb_connect(p->net->addr, o->port, m->blocking);
		if (r.conns[i].fd < 0)
			goto out;
	}
	if (m->epoll_events && zcb_epoll_setup(&r, m->epoll_events))
		goto out;
	if (m->setup && m->setup(&r))
		goto out;
	if (counters && zcb_zcopy_counters(&zc0, &cp0))
		counters = 0;
	if (!p->cold && zcb_warm(file, p->size))
		goto out;
	zcb_syscalls = 0;
	sys_fd = zcb_syscall_counter();
	for (i = 0; i < rounds; i++) {
		if (p->cold && zcb_drop_caches()) {
			perror("zcbench: drop_caches");
			goto out;
		}
		zcb_cpu_sample(&c0);
		t0 = zcb_now();
		sys0 = sys_fd >= 0 ? zcb_syscall_count(sys_fd) : -1;
		if (zcb_stream(&r))
			goto out;
		sys1 = sys0 >= 0 ? zcb_syscall_count(sys_fd) : -1;
		/* The stream's own calls, as the kernel counted them. */
		sys_counted += sys1 >= 0 ? sys1 - sys0 : 0;
		if (sys_fd >= 0 && sys1 < 0) {
			close(sys_fd);	/* SYS() counted all along */
			sys_fd = -1;
		}
		secs += zcb_now() - t0;
		zcb_cpu_sample(&c1);
		busy += c1.busy - c0.busy;
		files += files_sent(&r);
		/* Enough for a steady figure: cold rounds are slow. */
		if (secs >= o->max_secs)
			break;
	}
	if (counters && zcb_zcopy_counters(&zc1, &cp1))
		counters = 0;
	bytes = (double)p->size * files;
	s->files = files;
	s->mib_s = bytes / (1 << 20) / secs;
	s->cpu_per_gib = (double)busy / zcb_ticks_per_sec() / (bytes / (1 << 30));
	if (sys_fd >= 0)
		zcb_syscalls = sys_counted;
	s->sys_per_gib = zcb_syscalls / (bytes / (1 << 30));
	s->lat_p50 = zcb_percentile(r.lat, r.nlat, 0.50);
	s->lat_p99 = zcb_percentile(r.lat, r.nlat, 0.99);
	s->zerocopy = counters ? (zc1 - zc0) / bytes : -1;
	s->copied = counters ? (cp1 - cp0) / bytes : -1;
	rc = 0;
out:
	if (sys_fd >= 0)
		close(sys_fd);
	if (m->teardown)
		m->teardown(&r);
	if (r.ep >= 0)
		close(r.ep);
	close_conns(&r);
	zcb_stream_free(&r);
	if (zcb_receiver_wait(rx) && !rc) {
		fprintf(stderr, "zcbench: the receiver failed\n");
		rc = -1;
	}
	return rc;
}
