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

/* The current file is all handed to the socket (and to the stack). */
static int file_sent(const struct conn *c)
{
	return !c->left && !c->hdr_left && c->buf_pos == c->buf_len && !c->in_pipe;
}

/*
 * The mmap methods map each file when they begin it and unmap it once
 * it is handed over, as a server maps the file of each request (both
 * calls counted).  MSG_ZEROCOPY's pages stay pinned by the stack.
 */
static int map_file(struct run *r, struct conn *c)
{
	c->map = SYS(mmap(NULL, r->size, PROT_READ, MAP_SHARED, r->file, 0));
	if (c->map != MAP_FAILED)
		return 0;
	c->map = NULL;
	perror("zcbench: mmap");
	return -1;
}

static void unmap_file(struct run *r, struct conn *c)
{
	if (c->map) {
		SYS(munmap(c->map, r->size));
		c->map = NULL;
	}
}

/*
 * Sends on one connection until the socket takes no more or the window
 * is full: the current file, then the next ones the window allows.
 */
static int pump_files(struct run *r, struct conn *c)
{
	const struct method *m = r->m;

	/* MSG_ZEROCOPY's notifications, due even with nothing left to send */
	if (c->errq && file_sent(c) && m->pump(r, c) < 0)
		return -1;
	for (;;) {
		if (file_sent(c)) {
			if (m->maps_file)
				unmap_file(r, c);
			if (!zcb_file_begin(r, c))
				break;
			if (m->maps_file && map_file(r, c))
				return -1;
		}
		if (m->pump(r, c) < 0)
			return -1;
		if (!file_sent(c))
			break;	/* the socket is full */
	}
	return 0;
}

static int epoll_stream(struct run *r)
{
	struct epoll_event ev[64];
	int i, n, pending = r->nconns;

	/* The sockets have long been writable: no edge will say so. */
	for (i = 0; i < r->nconns; i++) {
		if (pump_files(r, &r->conns[i]) < 0)
			return -1;
		if (zcb_conn_done(&r->conns[i]))
			pending--;
	}
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
			int was_done = zcb_conn_done(c);

			if (ev[i].events & EPOLLERR)
				c->errq = 1;
			if ((ev[i].events & EPOLLIN) && zcb_read_ack(r, c) < 0)
				return -1;
			/* Room in the socket, or an acknowledgement opened the window. */
			if (((ev[i].events & (EPOLLOUT | EPOLLERR)) || file_sent(c)) &&
			    pump_files(r, c) < 0)
				return -1;
			if (!was_done && zcb_conn_done(c))
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

/* One stream of any method. */
int zcb_stream(struct run *r)
{
	int i, rc;

	if (zcb_stream_init(r))
		return -1;
	rc = r->m->stream ? r->m->stream(r) : epoll_stream(r);
	for (i = 0; i < r->nconns; i++)
		unmap_file(r, &r->conns[i]);
	return rc;
}
