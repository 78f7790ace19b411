// SPDX-License-Identifier: GPL-2.0
/*
 * zcbench scaling: with N connected sockets and one event among them,
 * what does it cost to wait for that event and reap it?
 *
 *   zcopy       N sockets registered; one 4 KiB transfer completes;
 *               poll() on the context and read() its completion
 *   zcopy+ring  the same through libzcopy and the context's rings (its
 *               default): poll(), then the completion from the CQ
 *   epoll       N sockets in an epoll set; one becomes readable;
 *               epoll_wait() and read it
 *   poll        the same over a pollfd array of N, scanned for the one
 *   select      the same with an fd_set, rebuilt each call
 *               (N < FD_SETSIZE)
 *
 * The event is made ready before the clock starts (checked by polling
 * the one descriptor concerned), so only waiting and reaping is timed.
 * A socket is registered with one context at a time: zcopy's context
 * holds one end of each pair, zcopy+ring's the other, whose 4 KiB are
 * read before the next sample, so that the other ways find only theirs.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <linux/zcopy.h>
#include <zcopy.h>

#include "report.h"

enum { ZCOPY, ZCOPY_RING, EPOLL, POLL, SELECT, NWAYS };
static const char *const way_name[NWAYS] = {
	"zcopy", "zcopy+ring", "epoll", "poll", "select",
};

struct pairs {
	int n;
	int *mine;	/* the N sockets being waited on: lowest descriptors */
	int *peer;
};

static int pairs_open(struct pairs *p, int n, int port)
{
	int lfd, i;

	p->n = n;
	p->mine = calloc(n, sizeof(int));
	p->peer = calloc(n, sizeof(int));
	if (!p->mine || !p->peer)
		return -1;
	/* Created first, so that they have the lowest numbers (select). */
	for (i = 0; i < n; i++) {
		p->mine[i] = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (p->mine[i] < 0) {
			perror("zcbench: socket");
			return -1;
		}
	}
	lfd = zcb_listen(port, 128);
	if (lfd < 0)
		return -1;
	for (i = 0; i < n; i++) {
		struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port),
					 .sin_addr.s_addr = htonl(0x7f000001) };

		if (connect(p->mine[i], (struct sockaddr *)&a, sizeof(a)) ||
		    (p->peer[i] = accept(lfd, NULL, NULL)) < 0) {
			perror("zcbench: connecting the sockets");
			return -1;
		}
	}
	close(lfd);
	return 0;
}

static void pairs_close(struct pairs *p)
{
	int i;

	for (i = 0; i < p->n; i++) {
		close(p->mine[i]);
		close(p->peer[i]);
	}
	free(p->mine);
	free(p->peer);
}

static void wait_ready(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	poll(&pfd, 1, 10000);
}

/* The 4 KiB that zcopy+ring sent to socket @fd, so that it is idle again. */
static int drain(int fd)
{
	char b[4096];
	size_t got = 0;
	ssize_t n;

	while (got < sizeof(b)) {
		n = read(fd, b, sizeof(b) - got);
		if (n <= 0)
			return -1;
		got += n;
	}
	return 0;
}

/* One sample of one way; returns seconds, or a negative on error. */
static double sample(int way, struct pairs *p, int k, int zc, struct zcopy *zr,
		     int ep, int file, struct pollfd *pfds)
{
	struct zcopy_sqe sqe = { .file_fd = file, .sock_fd = p->mine[k], .len = 4096 };
	struct zcopy_submit sub = { .sqes = (uintptr_t)&sqe, .nr = 1 };
	struct zcopy_cqe cqe;
	struct epoll_event ev;
	double t0, t;
	fd_set set;
	char b;
	int i, n, found = -1, maxfd = 0;

	if (way == ZCOPY) {
		if (ioctl(zc, ZCOPY_IOC_SUBMIT, &sub) != 1)
			return -1;
		wait_ready(zc);
	} else if (way == ZCOPY_RING) {
		if (zcopy_prep(zr, file, p->peer[k], 0, 4096, 0, k) ||
		    zcopy_submit(zr) != 1)
			return -1;
		wait_ready(zcopy_fd(zr));
	} else {
		if (write(p->peer[k], "x", 1) != 1)
			return -1;
		wait_ready(p->mine[k]);
	}
	t0 = zcb_now();
	switch (way) {
	case ZCOPY:
		pfds[0] = (struct pollfd){ .fd = zc, .events = POLLIN };
		if (poll(pfds, 1, -1) != 1 || read(zc, &cqe, sizeof(cqe)) != sizeof(cqe))
			return -1;
		found = k;
		break;
	case ZCOPY_RING:
		pfds[0] = (struct pollfd){ .fd = zcopy_fd(zr), .events = POLLIN };
		if (poll(pfds, 1, -1) != 1 || zcopy_peek_cqe(zr, &cqe))
			return -1;
		found = cqe.user_data;
		break;
	case EPOLL:
		/* EINTR: the module's task work, in a thread that submitted. */
		while ((n = epoll_wait(ep, &ev, 1, -1)) < 0 && errno == EINTR)
			;
		if (n != 1)
			return -1;
		found = ev.data.u32;
		break;
	case POLL:
		for (i = 0; i < p->n; i++)
			pfds[i] = (struct pollfd){ .fd = p->mine[i], .events = POLLIN };
		if (poll(pfds, p->n, -1) < 1)
			return -1;
		for (i = 0; i < p->n; i++)
			if (pfds[i].revents & POLLIN)
				found = i;
		break;
	case SELECT:
		FD_ZERO(&set);
		for (i = 0; i < p->n; i++) {
			FD_SET(p->mine[i], &set);
			if (p->mine[i] > maxfd)
				maxfd = p->mine[i];
		}
		if (select(maxfd + 1, &set, NULL, NULL, NULL) < 1)
			return -1;
		for (i = 0; i < p->n; i++)
			if (FD_ISSET(p->mine[i], &set))
				found = i;
		break;
	}
	if (found != k)
		return -1;
	if (way != ZCOPY && way != ZCOPY_RING && read(p->mine[k], &b, 1) != 1)
		return -1;
	t = zcb_now() - t0;
	if (way == ZCOPY_RING && drain(p->mine[k]))
		return -1;
	return t;
}

static int run_n(int n, int samples, int file, double med[NWAYS], FILE *csv)
{
	struct pollfd *pfds = calloc(n, sizeof(*pfds));
	double *v = calloc((size_t)samples * NWAYS, sizeof(double));
	struct pairs p = { 0 };
	struct zcopy *zr = NULL;
	int zc = -1, ep = -1, i, w, rc = -1;

	if (!pfds || !v || pairs_open(&p, n, ZCB_PORT + 1))
		goto out;
	zc = open("/dev/zcopy", O_RDWR | O_CLOEXEC);
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (zc < 0 || ep < 0 || zcopy_open(&zr, 0)) {
		perror("zcbench: /dev/zcopy");
		goto out;
	}
	for (i = 0; i < n; i++) {
		struct zcopy_reg reg = { .sock_fd = p.mine[i] };
		struct epoll_event e = { .events = EPOLLIN, .data.u32 = i };

		if (ioctl(zc, ZCOPY_IOC_REGISTER, &reg) ||
		    zcopy_register_socket(zr, p.peer[i]) ||
		    epoll_ctl(ep, EPOLL_CTL_ADD, p.mine[i], &e)) {
			perror("zcbench: registering the sockets");
			goto out;
		}
	}
	/* The ways take turns, sample by sample, so drift hits them alike. */
	for (i = 0; i < samples; i++)
		for (w = 0; w < NWAYS; w++) {
			double *x = &v[w * samples + i];

			if (w == SELECT && p.mine[n - 1] >= FD_SETSIZE)
				continue;
			*x = sample(w, &p, (i * 7919) % n, zc, zr, ep, file,
				    pfds);
			if (*x < 0) {
				fprintf(stderr, "zcbench: scaling: %s with %d sockets failed\n",
					way_name[w], n);
				goto out;
			}
		}
	for (w = 0; w < NWAYS; w++) {
		med[w] = -1;
		if (w == SELECT && p.mine[n - 1] >= FD_SETSIZE)
			continue;
		med[w] = zcb_median(&v[w * samples], samples);
		if (csv)
			fprintf(csv, "%d,%s,%d,%.9f,%.4f\n", n, way_name[w], samples,
				med[w], zcb_spread(&v[w * samples], samples));
	}
	rc = 0;
out:
	if (zr)
		zcopy_close(zr);
	if (zc >= 0)
		close(zc);
	if (ep >= 0)
		close(ep);
	pairs_close(&p);
	free(pfds);
	free(v);
	return rc;
}

int zcb_scaling_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "sockets", 1, NULL, 'n' }, { "samples", 1, NULL, 's' },
		{ "dir", 1, NULL, 'd' }, { "csv", 1, NULL, 'v' }, { 0 },
	};
	char list[256] = "10,100,1000,10000", *l = list, *a;
	struct rlimit nofile = { 65536, 65536 };
	const char *dir = ".", *csvpath = NULL;
	double med[NWAYS];
	int samples = 200, opt, w, file, n;
	FILE *csv = NULL;

	while ((opt = getopt_long(argc, argv, "n:s:d:", longopts, NULL)) != -1) {
		switch (opt) {
		case 'n': snprintf(list, sizeof(list), "%s", optarg); break;
		case 's': samples = atoi(optarg); break;
		case 'd': dir = optarg; break;
		case 'v': csvpath = optarg; break;
		default:
			fprintf(stderr, "usage: zcbench scaling [--sockets LIST] "
				"[--samples N] [--dir DIR] [--csv FILE]\n");
			return 2;
		}
	}
	if (samples < 1 || setrlimit(RLIMIT_NOFILE, &nofile)) {
		fprintf(stderr, "zcbench: scaling needs --samples >= 1 and 65536 descriptors\n");
		return 2;
	}
	file = zcb_file(dir, 4096);
	if (file < 0)
		return 1;
	if (csvpath) {
		csv = fopen(csvpath, "w");
		if (!csv)
			return 1;
		fprintf(csv, "sockets,way,samples,median_s,spread\n");
	}
	printf("wait for and reap one event among N sockets, median of %d (us):\n",
	       samples);
	printf("%8s", "N");
	for (w = 0; w < NWAYS; w++)
		printf(" %10s", way_name[w]);
	printf("\n");
	while ((a = strsep(&l, ","))) {
		n = atoi(a);
		if (n < 1 || n > 30000 || run_n(n, samples, file, med, csv))
			return 1;
		printf("%8d", n);
		for (w = 0; w < NWAYS; w++) {
			if (med[w] < 0)
				printf(" %10s", "n/a");
			else
				printf(" %10.1f", 1e6 * med[w]);
		}
		printf("\n");
		fflush(stdout);
	}
	if (csv)
		fclose(csv);
	return 0;
}
