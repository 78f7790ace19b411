// SPDX-License-Identifier: GPL-2.0
/*
 * zcopy: every file the window allows becomes a transfer, gathered over
 * all connections into one submission per wakeup; then wait on the
 * context (and the connections, for the receiver's acknowledgements)
 * and read the completions.  The sending itself happens in the kernel.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <linux/zcopy.h>

#include "zcbench.h"

struct zc {
	int fd;
	uint32_t flags;
	struct zcopy_sqe *sqes;	/* begun, not yet taken by the context */
	int queued, cap;
	long inflight;		/* submitted, completion not yet read */
};

/* The connection's next file, if the window lets it begin: 1 if queued. */
static int queue_file(struct run *r, struct zc *z, int i)
{
	struct conn *c = &r->conns[i];

	if (z->queued == z->cap || !zcb_file_begin(r, c))
		return 0;
	z->sqes[z->queued++] = (struct zcopy_sqe){
		.file_fd = r->file, .sock_fd = c->fd,
		.len = r->size, .user_data = i, .flags = z->flags,
	};
	/* Handed over, as far as the stream is concerned. */
	c->left = 0;
	return 1;
}

/*
 * The first windows, a file of each connection at a time: the context
 * takes only so many bytes at once, and those should be spread over the
 * connections, not spent on the first ones' whole windows.
 */
static void queue_windows(struct run *r, struct zc *z)
{
	int i, more;

	do {
		more = 0;
		for (i = 0; i < r->nconns; i++)
			more |= queue_file(r, z, i);
	} while (more);
}

/*
 * Submits what the context takes now; the rest waits for completions
 * (EAGAIN: the context is at its limit of transfers or pinned bytes).
 * Entries keep their order, so each socket's files go out in order.
 */
static int submit_queued(struct zc *z)
{
	struct zcopy_submit sub;
	int n;

	while (z->queued) {
		sub = (struct zcopy_submit){
			.sqes = (uintptr_t)z->sqes, .nr = z->queued,
		};
		n = SYS(ioctl(z->fd, ZCOPY_IOC_SUBMIT, &sub));
		if (n < 0) {
			if (errno == EAGAIN && z->inflight)
				return 0;
			perror("zcbench: ZCOPY_IOC_SUBMIT");
			return -1;
		}
		z->inflight += n;
		z->queued -= n;
		memmove(z->sqes, z->sqes + n, z->queued * sizeof(*z->sqes));
	}
	return 0;
}

static int reap(struct run *r, struct zc *z)
{
	struct zcopy_cqe cqe[64];
	ssize_t got;
	int j;

	for (;;) {
		got = SYS(read(z->fd, cqe, sizeof(cqe)));
		if (got < 0 && errno == EAGAIN)
			return 0;
		if (got < 0) {
			perror("zcbench: read completions");
			return -1;
		}
		for (j = 0; j < got / (ssize_t)sizeof(cqe[0]); j++) {
			if (cqe[j].res != (int64_t)r->size) {
				fprintf(stderr, "zcbench: zcopy transfer: %s\n",
					cqe[j].res < 0 ? strerror(-cqe[j].res) : "short");
				return -1;
			}
			z->inflight--;
		}
		if (got < (ssize_t)sizeof(cqe))
			return 0;
	}
}

static int zc_stream(struct run *r)
{
	struct zc *z = r->priv;
	struct epoll_event ev[64];
	int i, n, pending = r->nconns;

	queue_windows(r, z);
	if (submit_queued(z))
		return -1;
	while (pending || z->inflight || z->queued) {
		n = SYS(epoll_wait(r->ep, ev, 64, 30000));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			fprintf(stderr, "zcbench: zcopy: %s\n",
				n ? strerror(errno) : "no progress in 30 s");
			return -1;
		}
		for (i = 0; i < n; i++) {
			struct conn *c = ev[i].data.ptr;
			int was_done;

			if (!c) {
				if (reap(r, z))
					return -1;
				continue;
			}
			was_done = zcb_conn_done(c);
			if (zcb_read_ack(r, c))
				return -1;
			while (queue_file(r, z, c - r->conns))
				;
			if (!was_done && zcb_conn_done(c))
				pending--;
		}
		if (submit_queued(z))
			return -1;
	}
	return 0;
}

static int zc_setup(struct run *r, uint32_t flags)
{
	struct epoll_event e = { .events = EPOLLIN, .data.ptr = NULL };
	struct zc *z = calloc(1, sizeof(*z));
	int i;

	if (!z)
		return -1;
	r->priv = z;
	z->fd = -1;
	z->flags = flags;
	z->cap = r->nconns * r->depth;
	z->sqes = calloc(z->cap, sizeof(*z->sqes));
	if (!z->sqes)
		return -1;
	z->fd = open("/dev/zcopy", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (z->fd < 0) {
		perror("zcbench: /dev/zcopy");
		return -1;
	}
	for (i = 0; i < r->nconns; i++) {
		struct zcopy_reg reg = { .sock_fd = r->conns[i].fd };

		if (ioctl(z->fd, ZCOPY_IOC_REGISTER, &reg) < 0) {
			perror("zcbench: ZCOPY_IOC_REGISTER");
			return -1;
		}
	}
	return epoll_ctl(r->ep, EPOLL_CTL_ADD, z->fd, &e);
}

static int zc_setup_default(struct run *r)
{
	return zc_setup(r, 0);
}

static int zc_setup_release(struct run *r)
{
	return zc_setup(r, ZCOPY_F_RELEASE);
}

static void zc_teardown(struct run *r)
{
	struct zc *z = r->priv;

	if (z && z->fd >= 0)
		close(z->fd);
	if (z)
		free(z->sqes);
	free(z);
	r->priv = NULL;
}

const struct method zcb_zcopy = {
	.name = "zcopy", .epoll_events = EPOLLIN,
	.setup = zc_setup_default, .stream = zc_stream, .teardown = zc_teardown,
};

const struct method zcb_zcopy_release = {
	.name = "zcopy+release", .epoll_events = EPOLLIN,
	.setup = zc_setup_release, .stream = zc_stream, .teardown = zc_teardown,
};
