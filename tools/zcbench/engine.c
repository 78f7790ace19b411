// SPDX-License-Identifier: GPL-2.0
/*
 * The event loop shared by the methods that send with plain system calls
 * (read+write, mmap+write, sendfile, splice, MSG_ZEROCOPY): non-blocking
 * sockets, one edge-triggered epoll registration each, and a method's
 * pump() called whenever a socket can take more.  It is the loop an
 * event-driven server runs, so each method pays for waiting the same way.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/mman.h>

#include "zcbench.h"

/* The receiver writes one byte per whole file it has received. */
int zcb_read_ack(struct conn *c)
{
	char b[16];
	ssize_t n = SYS(read(c->fd, b, sizeof(b)));

	if (n > 0) {
		c->acked += n;
		return 0;
	}
	if (n < 0 && errno == EAGAIN)
		return 0;
	fprintf(stderr, "zcbench: connection lost before the receiver confirmed (%s)\n",
		n ? strerror(errno) : "closed");
	return -1;
}

static int conn_done(const struct conn *c)
{
	return c->acked && !c->left && c->buf_pos == c->buf_len && !c->in_pipe &&
	       c->zc_done == c->zc_sent;
}

static int epoll_round(struct run *r, pump_fn pump)
{
	struct epoll_event ev[64];
	int i, n, pending = r->nconns;

	/* The sockets have long been writable: no edge will say so. */
	for (i = 0; i < r->nconns; i++)
		if (pump(r, &r->conns[i]) < 0)
			return -1;
	while (pending) {
		n = SYS(epoll_wait(r->ep, ev, 64, 30000));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			fprintf(stderr, "zcbench: %s: %s\n", r->m->name,
				n ? strerror(errno) : "no progress in 30 s");
			return -1;
		}
		for (i = 0; i < n; i++) {
			struct conn *c = ev[i].data.ptr;
			int was_done = conn_done(c);

			if ((ev[i].events & (EPOLLOUT | EPOLLERR)) && pump(r, c) < 0)
				return -1;
			if ((ev[i].events & EPOLLIN) && zcb_read_ack(c) < 0)
				return -1;
			if (!was_done && conn_done(c))
				pending--;
		}
	}
	return 0;
}

/*
 * Once per run, outside the measurement, as a server registers a
 * connection once: every socket edge-triggered for the method's events.
 */
int zcb_epoll_setup(struct run *r, uint32_t events)
{
	int i;

	r->ep = epoll_create1(EPOLL_CLOEXEC);
	if (r->ep < 0)
		return -1;
	for (i = 0; i < r->nconns; i++) {
		struct epoll_event e = {
			.events = events | EPOLLET,
			.data.ptr = &r->conns[i],
		};

		if (epoll_ctl(r->ep, EPOLL_CTL_ADD, r->conns[i].fd, &e) < 0)
			return -1;
	}
	return 0;
}

/* Every connection starts the round with the whole file to send. */
static void conns_rewind(struct run *r)
{
	int i;

	for (i = 0; i < r->nconns; i++) {
		struct conn *c = &r->conns[i];

		c->off = 0;
		c->left = r->size;
		c->acked = 0;
		c->buf_len = c->buf_pos = 0;
		c->in_pipe = 0;
		c->zc_sent = c->zc_done = 0;
		c->busy = 0;
	}
}

/*
 * One round of any method.  The mmap methods map the file for each
 * round, as a server maps the file of each request, and unmap it when
 * the round is over (both calls counted).
 */
int zcb_round(struct run *r)
{
	const struct method *m = r->m;
	int rc;

	conns_rewind(r);
	if (m->round)
		return m->round(r);
	if (m->maps_file) {
		r->map = SYS(mmap(NULL, r->size, PROT_READ, MAP_SHARED, r->file, 0));
		if (r->map == MAP_FAILED) {
			perror("zcbench: mmap");
			return -1;
		}
	}
	rc = epoll_round(r, m->pump);
	if (m->maps_file) {
		SYS(munmap(r->map, r->size));
		r->map = NULL;
	}
	return rc;
}
