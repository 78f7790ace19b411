// SPDX-License-Identifier: GPL-2.0
/*
 * zcopy: one submission for all connections, then wait on the context
 * (and the connections, for the receiver's acknowledgements) and read
 * the completions.  The sending itself happens in the kernel.
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
	struct zcopy_sqe sqes[ZCB_MAX_CONNS];
};

/* Submits what the context takes now; the rest waits for completions. */
static int submit_more(struct zc *z, int *next, int nr, int inflight)
{
	struct zcopy_submit sub;
	int n;

	while (*next < nr) {
		sub = (struct zcopy_submit){
			.sqes = (uintptr_t)&z->sqes[*next],
			.nr = nr - *next,
		};
		n = SYS(ioctl(z->fd, ZCOPY_IOC_SUBMIT, &sub));
		if (n < 0) {
			if (errno == EAGAIN && inflight)
				return 0;
			perror("zcbench: ZCOPY_IOC_SUBMIT");
			return -1;
		}
		*next += n;
		inflight += n;
	}
	return 0;
}

static int zc_round(struct run *r)
{
	struct zc *z = r->priv;
	struct zcopy_cqe cqe[64];
	struct epoll_event ev[64];
	int i, j, n, next = 0, done = 0, acked = 0;

	for (i = 0; i < r->nconns; i++) {
		z->sqes[i] = (struct zcopy_sqe){
			.file_fd = r->file, .sock_fd = r->conns[i].fd,
			.len = r->size, .user_data = i, .flags = z->flags,
		};
	}
	if (submit_more(z, &next, r->nconns, 0))
		return -1;
	while (done < r->nconns || acked < r->nconns) {
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

			if (c) {
				if (zcb_read_ack(c))
					return -1;
				acked += c->acked == 1;
				continue;
			}
			/* level-triggered: read until none are left */
			ssize_t got = SYS(read(z->fd, cqe, sizeof(cqe)));

			if (got < 0 && errno == EAGAIN)
				continue;
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
				done++;
			}
			if (submit_more(z, &next, r->nconns, next - done))
				return -1;
		}
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
	z->flags = flags;
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
	free(z);
	r->priv = NULL;
}

const struct method zcb_zcopy = {
	.name = "zcopy", .epoll_events = EPOLLIN,
	.setup = zc_setup_default, .round = zc_round, .teardown = zc_teardown,
};

const struct method zcb_zcopy_release = {
	.name = "zcopy+release", .epoll_events = EPOLLIN,
	.setup = zc_setup_release, .round = zc_round, .teardown = zc_teardown,
};
