// SPDX-License-Identifier: GPL-2.0
/*
 * The three ways of sending a response body; everything else in the
 * server is shared.  body_send() returns 1 when the body is all sent
 * (for zcopy: handed to the context), 0 when the socket is full, and a
 * negative number when the connection must go.  A body of several
 * parts (parts.c) goes part by part with copy and sendfile, and as one
 * submission of buffers and ranges with zcopy.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <string.h>
#include <sys/sendfile.h>
#include <zcopy.h>

#include "zcserve.h"

#define COPY_BUF	(64 << 10)

static int copy_send(struct conn *c)
{
	ssize_t n;

	if (!c->buf) {
		c->buf = malloc(COPY_BUF);
		if (!c->buf)
			return -1;
	}
	while (c->left || c->buf_pos < c->buf_len) {
		if (c->buf_pos == c->buf_len) {
			n = pread(c->file, c->buf, c->left < COPY_BUF ? c->left : COPY_BUF,
				  c->off);
			if (n <= 0)
				return -1;	/* the file shrank: nothing honest to send */
			c->buf_len = n;
			c->buf_pos = 0;
			c->off += n;
			c->left -= n;
		}
		n = write(c->fd, c->buf + c->buf_pos, c->buf_len - c->buf_pos);
		if (n < 0)
			return errno == EAGAIN ? 0 : -1;
		c->buf_pos += n;
	}
	return 1;
}

static int sendfile_send(struct conn *c)
{
	ssize_t n;

	while (c->left) {
		n = sendfile(c->fd, c->file, &c->off, c->left);
		if (n < 0)
			return errno == EAGAIN ? 0 : -1;
		if (!n)
			return -1;
		c->left -= n;
	}
	return 1;
}

/* The connection's slot and generation: a cancelled transfer's late
 * completion must not be taken for its slot's next connection's.
 */
static uint64_t conn_cookie(const struct conn *c)
{
	return (uint64_t)c->fd << 32 | c->gen;
}

/*
 * Queue the body's entries: its range, or each of its parts, a buffer
 * or a range; all but the last linked to the next, every one in the
 * group.  0, or -1 with the whole batch dropped (the response's head
 * too, if it was queued before).
 */
static int zc_prep_body(struct server *s, struct conn *c)
{
	const uint32_t g = ZCOPY_F_GROUP;
	struct parts *p = c->parts;
	unsigned int i;
	uint32_t link;
	int ret = 0;

	if (!p)
		ret = zcopy_prep(s->zc, c->file, c->fd, c->off, c->left, g,
				 conn_cookie(c));
	for (i = 0; p && i < p->n && !ret; i++) {
		link = i + 1 < p->n ? ZCOPY_F_LINK : 0;
		if (p->part[i].text)
			ret = zcopy_prep_buffer(s->zc, c->fd,
						p->text + p->part[i].off,
						p->part[i].len, g | link,
						conn_cookie(c));
		else
			ret = zcopy_prep(s->zc, c->file, c->fd, p->part[i].off,
					 p->part[i].len, g | link,
					 conn_cookie(c));
	}
	if (ret)
		zcopy_discard(s->zc, zcopy_queued(s->zc));
	return ret ? -1 : 0;
}

/* The bytes a response's completion reports when all went. */
static uint64_t zc_body_bytes(const struct conn *c)
{
	return c->parts ? c->parts->total : c->left;
}

/*
 * The head and the body as one response: one submission, one
 * completion for both (ZCOPY_F_GROUP), in one segment when they fit;
 * the head's bytes are the module's once it accepts them.  Returns 1
 * when it is accepted, whole, and 0 when it is not: then the head goes
 * by send() as the other modes send it, and the body as theirs.
 */
int body_zcopy_response(struct server *s, struct conn *c)
{
	unsigned int n;
	int ret;

	if (zcopy_prep_buffer(s->zc, c->fd, c->head, c->head_len,
			      ZCOPY_F_GROUP | ZCOPY_F_LINK, conn_cookie(c)))
		return 0;
	if (zc_prep_body(s, c))
		return 0;
	n = zcopy_queued(s->zc);
	ret = zcopy_submit(s->zc);
	if (ret != (int)n) {
		zcopy_discard(s->zc, zcopy_queued(s->zc));
		return 0;
	}
	c->head_pos = c->head_len;
	c->zc_head = c->head_len;
	c->state = ST_WAIT_ZCOPY;
	return 1;
}

/* The body alone, its head sent: one submission, one completion. */
static int zc_body_send(struct server *s, struct conn *c)
{
	unsigned int n;
	int ret;

	if (c->parts ? c->parts->i == c->parts->n : !c->left)
		return 1;
	ret = zc_prep_body(s, c);
	n = zcopy_queued(s->zc);
	if (!ret)
		ret = zcopy_submit(s->zc);
	if (ret == (int)n) {
		c->state = ST_WAIT_ZCOPY;
		return 0;
	}
	/* Refused: it is sent again from scratch, not left in the batch. */
	zcopy_discard(s->zc, zcopy_queued(s->zc));
	if (ret != -EAGAIN)
		return -1;
	/* The context is at its limits: try again after completions. */
	c->next_waiting = s->waiting;
	s->waiting = c;
	c->state = ST_WAIT_ZCOPY;
	return 0;
}

int body_send(struct server *s, struct conn *c)
{
	switch (s->mode) {
	case MODE_COPY:
		return c->parts ? parts_send(c, copy_send) : copy_send(c);
	case MODE_SENDFILE:
		return c->parts ? parts_send(c, sendfile_send) : sendfile_send(c);
	case MODE_ZCOPY:
		return zc_body_send(s, c);
	}
	return -1;
}

int body_zcopy_open(struct server *s)
{
	struct epoll_event e = { .events = EPOLLIN, .data.ptr = NULL };
	int ret = zcopy_open(&s->zc, 0);

	if (ret) {
		fprintf(stderr, "zcserve: /dev/zcopy: %s\n", strerror(-ret));
		return -1;
	}
	return epoll_ctl(s->ep, EPOLL_CTL_ADD, zcopy_fd(s->zc), &e);
}

int body_zcopy_register(struct server *s, struct conn *c)
{
	return zcopy_register_socket(s->zc, c->fd);
}

/* Cancels what is pending; the registration's socket reference goes. */
void body_zcopy_unregister(struct server *s, struct conn *c)
{
	struct conn **p;

	for (p = &s->waiting; *p; p = &(*p)->next_waiting)
		if (*p == c) {
			*p = c->next_waiting;
			break;
		}
	zcopy_unregister_socket(s->zc, c->fd);
}

static void retry_waiting(struct server *s)
{
	struct conn *c = s->waiting;

	s->waiting = NULL;
	while (c) {
		struct conn *next = c->next_waiting;

		c->state = ST_BODY;
		if (conn_progress(s, c) < 0)
			conn_close(s, c);
		c = next;
	}
}

/* Reads every completion ready and moves its connection on. */
int body_zcopy_reap(struct server *s)
{
	struct zcopy_cqe cqe[64];
	int i, n;

	/* 64 at a time: each batch is one read() of the context. */
	while ((n = zcopy_peek_batch(s->zc, cqe, 64)) > 0) {
		for (i = 0; i < n; i++) {
			int fd = cqe[i].user_data >> 32;
			struct conn *c = fd <= s->max_fd ? s->conns[fd] : NULL;

			if (!c || c->gen != (uint32_t)cqe[i].user_data ||
			    c->state != ST_WAIT_ZCOPY)
				continue;	/* its connection is gone */
			if (cqe[i].error ||
			    cqe[i].res != (int64_t)(c->zc_head + zc_body_bytes(c))) {
				conn_close(s, c);
				continue;
			}
			c->off += c->left;
			c->left = 0;
			if (c->parts)
				c->parts->i = c->parts->n;
			c->zc_head = 0;
			c->state = ST_BODY;
			if (conn_progress(s, c) < 0)
				conn_close(s, c);
		}
	}
	if (n != -EAGAIN)
		return -1;
	if (s->waiting)
		retry_waiting(s);
	return 0;
}
