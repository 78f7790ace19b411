// SPDX-License-Identifier: GPL-2.0
/*
 * zcbench cgroup: does the work stay in the sender's cgroup?
 *
 * A sender process in a cgroup of its own, capped by cpu.max, streams
 * CONNS connections' worth of transfers, half of them from /dev/urandom
 * (read through the file's own read, which costs CPU) and half from a
 * cached file, to a receiver outside the cgroup that discards them:
 * once with sendfile() and once with zcopy.  For each: the wall time,
 * the cgroup's CPU time (cpu.stat's usage_usec) and the whole system's
 * (/proc/stat) over the same window.  Work done on the sender's behalf
 * outside its cgroup (a kernel worker's) is system time the cap does not
 * bound: "outside" is the system's CPU time less the cgroup's (the
 * receiver's share is the same for both methods).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <linux/zcopy.h>

#include "point.h"
#include "report.h"
#include "zcbench.h"

#define CGROUP		"/sys/fs/cgroup"
#define PORT		7411
#define CHUNK		(256 << 10)	/* bytes per sendfile() or transfer */

struct cg_opts {
	int cpu_max;		/* percent of one CPU */
	int conns;
	long long bytes;	/* in all, per method */
	const char *dir;
};

/* Drain every socket of @fds until each says EOF. */
struct drain {
	int *fds, n;
	pthread_t thread;
};

static void *drain_main(void *arg)
{
	static char buf[1 << 16];
	struct drain *d = arg;
	struct epoll_event ev[64];
	int ep = epoll_create1(EPOLL_CLOEXEC), open = d->n, i, k;
	ssize_t r;

	for (i = 0; i < d->n; i++) {
		ev[0] = (struct epoll_event){ .events = EPOLLIN, .data.u32 = i };
		epoll_ctl(ep, EPOLL_CTL_ADD, d->fds[i], &ev[0]);
	}
	while (open > 0) {
		k = epoll_wait(ep, ev, 64, -1);
		for (i = 0; i < k; i++) {
			r = read(d->fds[ev[i].data.u32], buf, sizeof(buf));
			if (r <= 0) {
				epoll_ctl(ep, EPOLL_CTL_DEL,
					  d->fds[ev[i].data.u32], NULL);
				open--;
			}
		}
	}
	close(ep);
	return NULL;
}

/* Connection @i's source: /dev/urandom for even ones, the file for odd. */
static int source(int i, int urandom, int file)
{
	return i % 2 ? file : urandom;
}

static int send_sendfile(int *socks, int n, long long per_conn, int urandom,
			 int file)
{
	long long *left = calloc(n, sizeof(*left));
	int i, busy = n;
	ssize_t r;

	if (!left)
		return -1;
	for (i = 0; i < n; i++)
		left[i] = per_conn;
	while (busy) {
		for (i = 0; i < n; i++) {
			off_t off = 0;

			if (!left[i])
				continue;
			r = sendfile(socks[i], source(i, urandom, file),
				     i % 2 ? &off : NULL,
				     left[i] < CHUNK ? left[i] : CHUNK);
			if (r <= 0)
				return -1;
			left[i] -= r;
			busy -= !left[i];
		}
	}
	free(left);
	return 0;
}

static int zc_submit_next(int zc, int *socks, int i, long long left,
			  int urandom, int file)
{
	struct zcopy_sqe sqe = {
		.file_fd = source(i, urandom, file),
		.sock_fd = socks[i],
		.len = left < CHUNK ? left : CHUNK,
		.user_data = i,
	};
	struct zcopy_submit s = { .sqes = (uintptr_t)&sqe, .nr = 1 };

	return ioctl(zc, ZCOPY_IOC_SUBMIT, &s) == 1 ? 0 : -1;
}

static int send_zcopy(int *socks, int n, long long per_conn, int urandom,
		      int file)
{
	long long *left = calloc(n, sizeof(*left));
	struct zcopy_reg reg = { 0 };
	struct zcopy_cqe cqe[64];
	int zc, i, k, busy = n;
	ssize_t r;

	zc = open("/dev/" ZCOPY_DEVICE_NAME, O_RDWR | O_CLOEXEC);
	if (zc < 0 || !left)
		return -1;
	for (i = 0; i < n; i++) {
		reg.sock_fd = socks[i];
		left[i] = per_conn;
		if (ioctl(zc, ZCOPY_IOC_REGISTER, &reg) ||
		    zc_submit_next(zc, socks, i, left[i], urandom, file))
			return -1;
	}
	while (busy) {
		r = read(zc, cqe, sizeof(cqe));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		for (k = 0; k < (int)(r / sizeof(cqe[0])); k++) {
			i = cqe[k].user_data;
			if (cqe[k].res <= 0 || cqe[k].error)
				return -1;
			left[i] -= cqe[k].res;
			if (!left[i])
				busy--;
			else if (zc_submit_next(zc, socks, i, left[i], urandom,
						file))
				return -1;
		}
	}
	close(zc);
	free(left);
	return 0;
}

static long long cgroup_usage_usec(const char *cg)
{
	char path[256], key[64];
	long long v, usage = -1;
	FILE *f;

	snprintf(path, sizeof(path), "%s/cpu.stat", cg);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fscanf(f, "%63s %lld", key, &v) == 2)
		if (!strcmp(key, "usage_usec"))
			usage = v;
	fclose(f);
	return usage;
}

/* One method, in a fresh capped cgroup; prints its line. */
static int run_method(const struct cg_opts *o, bool zcopy, int file)
{
	struct cpu_sample c0, c1;
	char cg[128], path[192], val[64];
	int *socks, *peers, lfd, urandom, status, i, ret = 0;
	long long per_conn = o->bytes / o->conns, usage;
	struct drain d;
	double t0, wall, sys_s, cg_s, gib;
	pid_t child;

	socks = calloc(o->conns, sizeof(int));
	peers = calloc(o->conns, sizeof(int));
	lfd = zcb_listen(PORT, o->conns);
	if (!socks || !peers || lfd < 0)
		return -1;
	for (i = 0; i < o->conns; i++) {
		socks[i] = zcb_connect("127.0.0.1", PORT, 1);
		peers[i] = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		if (socks[i] < 0 || peers[i] < 0)
			return -1;
	}
	close(lfd);
	snprintf(cg, sizeof(cg), CGROUP "/zcbench-%d-%s", getpid(),
		 zcopy ? "zcopy" : "sendfile");
	snprintf(path, sizeof(path), "%s/cpu.max", cg);
	snprintf(val, sizeof(val), "%d 100000", o->cpu_max * 1000);
	if (mkdir(cg, 0755) || zcb_write_file(path, val))
		return -1;
	d = (struct drain){ .fds = peers, .n = o->conns };
	if (pthread_create(&d.thread, NULL, drain_main, &d))
		return -1;
	urandom = open("/dev/urandom", O_RDONLY | O_CLOEXEC);

	zcb_cpu_sample(&c0);
	t0 = zcb_now();
	child = fork();
	if (!child) {
		snprintf(path, sizeof(path), "%s/cgroup.procs", cg);
		snprintf(val, sizeof(val), "%d", getpid());
		if (zcb_write_file(path, val))
			_exit(10);
		ret = zcopy ? send_zcopy(socks, o->conns, per_conn, urandom, file)
			    : send_sendfile(socks, o->conns, per_conn, urandom,
					    file);
		_exit(ret ? 11 : 0);
	}
	if (child < 0 || waitpid(child, &status, 0) != child ||
	    !WIFEXITED(status) || WEXITSTATUS(status))
		ret = -1;
	wall = zcb_now() - t0;
	zcb_cpu_sample(&c1);
	for (i = 0; i < o->conns; i++)
		close(socks[i]);
	pthread_join(d.thread, NULL);
	for (i = 0; i < o->conns; i++)
		close(peers[i]);
	close(urandom);
	usage = cgroup_usage_usec(cg);
	rmdir(cg);
	free(socks);
	free(peers);
	if (ret || usage < 0)
		return -1;
	sys_s = (double)(c1.busy - c0.busy) / zcb_ticks_per_sec();
	cg_s = usage / 1e6;
	gib = (double)per_conn * o->conns / (1 << 30);
	printf("%-9s %6.0f %8.2f %8.2f %8.2f %8.2f %10.2f\n",
	       zcopy ? "zcopy" : "sendfile", gib * 1024, wall, cg_s, sys_s,
	       sys_s - cg_s, sys_s / gib);
	return 0;
}

int zcb_cgroup_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "cpu-max", required_argument, NULL, 'p' },
		{ "conns", required_argument, NULL, 'c' },
		{ "bytes", required_argument, NULL, 'b' },
		{ "dir", required_argument, NULL, 'd' },
		{ NULL, 0, NULL, 0 },
	};
	struct cg_opts o = { .cpu_max = 10, .conns = 64, .bytes = 64 << 20,
			     .dir = "." };
	size_t bytes;
	int opt, file;

	while ((opt = getopt_long(argc, argv, "p:c:b:d:", longopts, NULL)) != -1) {
		switch (opt) {
		case 'p':
			o.cpu_max = atoi(optarg);
			break;
		case 'c':
			o.conns = atoi(optarg);
			break;
		case 'b':
			if (zcb_parse_size(optarg, &bytes))
				return 2;
			o.bytes = bytes;
			break;
		case 'd':
			o.dir = optarg;
			break;
		default:
			return 2;
		}
	}
	if (o.cpu_max < 1 || o.cpu_max > 100 || o.conns < 2 || o.bytes <= 0) {
		fprintf(stderr, "zcbench cgroup: bad --cpu-max, --conns or --bytes\n");
		return 2;
	}
	/* A guest boots without it mounted. */
	if (access(CGROUP "/cgroup.controllers", F_OK))
		mount("cgroup2", CGROUP, "cgroup2", 0, NULL);
	if (zcb_write_file(CGROUP "/cgroup.subtree_control", "+cpu")) {
		fprintf(stderr, "zcbench cgroup: no cgroup2 cpu controller\n");
		return 1;
	}
	file = zcb_file(o.dir, CHUNK);
	if (file < 0 || zcb_warm(file, CHUNK))
		return 1;
	printf("# %d connections, half /dev/urandom, half a cached file, "
	       "sender capped at %d%% of a CPU\n", o.conns, o.cpu_max);
	printf("%-9s %6s %8s %8s %8s %8s %10s\n", "method", "MiB", "wall_s",
	       "cgroup_s", "system_s", "outside", "system/GiB");
	if (run_method(&o, false, file) || run_method(&o, true, file)) {
		fprintf(stderr, "zcbench cgroup: a run failed\n");
		return 1;
	}
	close(file);
	return 0;
}
