// SPDX-License-Identifier: GPL-2.0
/*
 * io_uring's zero-copy file-to-socket path: IORING_OP_SPLICE from the
 * file into a pipe and from the pipe into the socket, page references
 * only, as splice(2) does but without a system call per step.  Every
 * connection has at most one splice and one receive (for the
 * receiver's acknowledgements) in flight; one io_uring_enter() submits
 * what the last completions made possible and waits for the next.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <liburing.h>

#include "zcbench.h"

#define PIPE_BYTES	(1 << 20)

enum { OP_IN, OP_OUT, OP_ACK };

struct uring {
	struct io_uring ring;
	char ack[ZCB_MAX_CONNS][16];
};

static struct io_uring_sqe *sqe_for(struct uring *u, int conn, int op)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&u->ring);

	/* The ring has room for two operations per connection. */
	if (sqe)
		io_uring_sqe_set_data64(sqe, (uint64_t)conn << 2 | op);
	return sqe;
}

/* The next splice of the current file, or of the next file the window allows. */
static int queue_splice(struct run *r, struct uring *u, int i)
{
	struct conn *c = &r->conns[i];
	struct io_uring_sqe *sqe;

	if (c->busy)
		return 0;
	if (!c->left && !c->in_pipe && !zcb_file_begin(r, c))
		return 0;
	if (c->in_pipe) {
		sqe = sqe_for(u, i, OP_OUT);
		if (!sqe)
			return -1;
		io_uring_prep_splice(sqe, c->pipe[0], -1, c->fd, -1, c->in_pipe,
				     SPLICE_F_MOVE | (c->left ? SPLICE_F_MORE : 0));
	} else {
		sqe = sqe_for(u, i, OP_IN);
		if (!sqe)
			return -1;
		io_uring_prep_splice(sqe, r->file, c->off, c->pipe[1], -1,
				     c->left < PIPE_BYTES ? c->left : PIPE_BYTES,
				     SPLICE_F_MOVE);
	}
	c->busy = 1;
	return 0;
}

/* A receive for acknowledgements while files wait for theirs. */
static int queue_ack(struct run *r, struct uring *u, int i)
{
	struct conn *c = &r->conns[i];
	struct io_uring_sqe *sqe;

	if (c->ack_armed || c->acked == c->started)
		return 0;
	sqe = sqe_for(u, i, OP_ACK);
	if (!sqe)
		return -1;
	io_uring_prep_recv(sqe, c->fd, u->ack[i], sizeof(u->ack[i]), 0);
	c->ack_armed = 1;
	return 0;
}

static int queue_next(struct run *r, struct uring *u, int i)
{
	if (queue_splice(r, u, i))
		return -1;
	return queue_ack(r, u, i);
}

static int uring_done(const struct conn *c)
{
	return zcb_conn_done(c) && !c->busy && !c->ack_armed;
}

/* 1 if the completion finished its connection, 0 if not, -1 on error. */
static int complete(struct run *r, struct uring *u, struct io_uring_cqe *cqe)
{
	int i = cqe->user_data >> 2, op = cqe->user_data & 3;
	struct conn *c = &r->conns[i];
	int was_done = uring_done(c);

	if (cqe->res <= 0) {
		fprintf(stderr, "zcbench: io_uring %s: %s\n",
			op == OP_ACK ? "recv" : "splice",
			cqe->res ? strerror(-cqe->res) : "end of data");
		return -1;
	}
	switch (op) {
	case OP_IN:
		c->in_pipe = cqe->res;
		c->off += cqe->res;
		c->left -= cqe->res;
		c->busy = 0;
		break;
	case OP_OUT:
		c->in_pipe -= cqe->res;
		c->busy = 0;
		break;
	case OP_ACK:
		zcb_acked(r, c, cqe->res);
		c->ack_armed = 0;
		break;
	}
	if (queue_next(r, u, i))
		return -1;
	/* The acknowledgement may overtake the last splice's completion. */
	return !was_done && uring_done(c);
}

static int uring_stream(struct run *r)
{
	struct uring *u = r->priv;
	struct io_uring_cqe *cqe;
	unsigned int head, seen;
	int i, rc, pending = r->nconns;

	for (i = 0; i < r->nconns; i++) {
		if (queue_next(r, u, i))
			return -1;
		if (uring_done(&r->conns[i]))
			pending--;
	}
	while (pending) {
		rc = SYS(io_uring_submit_and_wait(&u->ring, 1));
		if (rc < 0) {
			fprintf(stderr, "zcbench: io_uring_enter: %s\n", strerror(-rc));
			return -1;
		}
		seen = 0;
		io_uring_for_each_cqe(&u->ring, head, cqe) {
			rc = complete(r, u, cqe);
			if (rc < 0)
				return -1;
			pending -= rc;
			seen++;
		}
		io_uring_cq_advance(&u->ring, seen);
	}
	return 0;
}

static int uring_setup(struct run *r)
{
	struct uring *u = calloc(1, sizeof(*u));
	unsigned int entries = 8;
	int rc;

	if (!u)
		return -1;
	while (entries < 2U * r->nconns)
		entries <<= 1;
	rc = io_uring_queue_init(entries, &u->ring, 0);
	if (rc < 0) {
		fprintf(stderr, "zcbench: io_uring_queue_init: %s\n", strerror(-rc));
		free(u);
		return -1;
	}
	r->priv = u;
	return zcb_pipes_open(r);
}

static void uring_teardown(struct run *r)
{
	struct uring *u = r->priv;

	zcb_pipes_close(r);
	io_uring_queue_exit(&u->ring);
	free(u);
	r->priv = NULL;
}

const struct method zcb_uring_splice = {
	.name = "io_uring", .blocking = 1,
	.setup = uring_setup, .stream = uring_stream, .teardown = uring_teardown,
};
