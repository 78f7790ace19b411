// SPDX-License-Identifier: GPL-2.0
/*
 * zcopy: every file the window allows becomes a transfer, gathered over
 * all connections into one submission per wakeup; then wait on the
 * context (and the connections, for the receiver's acknowledgements)
 * and read the completions.  The sending itself happens in the kernel.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <zcopy.h>

#include "zcbench.h"

/*
 * Through libzcopy, which makes the system calls the protocol needs and
 * no more: one SUBMIT per batch, and with the module's rings none to
 * reap completions (zcopy+read: one read() per 64).  SYS() below counts
 * each library call as one only where the kernel cannot count them.
 */
struct zc {
	struct zcopy *ctx;	/* its batch: begun, not yet taken */
	uint32_t flags;
	unsigned int cap;	/* of the batch: every window, once */
	unsigned int per;	/* entries per file: 2 with a header */
	long inflight;		/* files submitted, completion not yet read */
};

/*
 * The connection's next file, if the window lets it begin: 1 if queued.
 * With --header, the header and the file are one response: a buffer
 * linked to the range, one submission and one completion.
 */
/*
 * --frame: the file as frames, each a buffer of the frame's header
 * linked to its range, all of them one response.  0, or -ENOMEM.
 */
static int queue_frames(struct run *r, struct zc *z, struct conn *c, int i)
{
	const uint32_t g = ZCOPY_F_GROUP;
	size_t off, n;
	int ret = 0;

	for (off = 0; off < r->size && !ret; off += n) {
		n = r->size - off < r->frame ? r->size - off : r->frame;
		ret = zcopy_prep_buffer(z->ctx, c->fd, zcb_header,
					ZCB_FRAME_HDR, g | ZCOPY_F_LINK, i);
		if (!ret)
			ret = zcopy_prep(z->ctx, r->file, c->fd, off, n,
					 z->flags | g |
					 (off + n < r->size ? ZCOPY_F_LINK : 0), i);
	}
	return ret;
}

static int queue_file(struct run *r, struct zc *z, int i)
{
	struct conn *c = &r->conns[i];
	if (zcopy_queued(z->ctx) + z->per > z->cap || !zcb_file_begin(r, c))
		return 0;
	if (r->frame) {
		if (queue_frames(r, z, c, i)) {
			fprintf(stderr, "zcbench: out of memory\n");
			exit(1);
		}
		c->left = c->hdr_left = c->frame_left = 0;
		return 1;
	}
	/* The batch holds every window at once: only memory can fail. */
	if ((r->hdr && zcopy_prep_buffer(z->ctx, c->fd, zcb_header, r->hdr,
					 ZCOPY_F_LINK | ZCOPY_F_GROUP, i)) ||
	    zcopy_prep(z->ctx, r->file, c->fd, 0, r->size,
		       z->flags | (r->hdr ? ZCOPY_F_GROUP : 0), i)) {
		fprintf(stderr, "zcbench: out of memory\n");
		exit(1);
	}
	/* Handed over, as far as the stream is concerned. */
	c->left = 0;
	c->hdr_left = 0;
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
	int n;

	while (zcopy_queued(z->ctx)) {
		n = SYS(zcopy_submit(z->ctx));
		if (n < 0) {
			if (n == -EAGAIN && z->inflight)
				return 0;
			fprintf(stderr, "zcbench: ZCOPY_IOC_SUBMIT: %s\n", strerror(-n));
			return -1;
		}
		z->inflight += n / z->per;	/* whole responses */
	}
	return 0;
}

static int reap(struct run *r, struct zc *z)
{
	struct zcopy_cqe cqe[64];
	int got, j;

	for (;;) {
		got = SYS(zcopy_peek_batch(z->ctx, cqe, 64));
		if (got == -EAGAIN)
			return 0;
		if (got < 0) {
			fprintf(stderr, "zcbench: read completions: %s\n", strerror(-got));
			return -1;
		}
		for (j = 0; j < got; j++) {
			if (cqe[j].error ||
			    cqe[j].res != (int64_t)zcb_wire_size(r->size, r->hdr, r->frame)) {
				fprintf(stderr, "zcbench: zcopy transfer: %s\n",
					cqe[j].error ? strerror(-cqe[j].error) : "short");
				return -1;
			}
			z->inflight--;
		}
		if (got < 64)
			return 0;	/* a short read: none left */
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
	while (pending || z->inflight || zcopy_queued(z->ctx)) {
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

static int zc_setup(struct run *r, uint32_t flags, unsigned int open_flags)
{
	struct epoll_event e = { .events = EPOLLIN, .data.ptr = NULL };
	struct zc *z = calloc(1, sizeof(*z));
	int i, ret;

	if (!z)
		return -1;
	r->priv = z;
	z->flags = flags;
	z->per = r->frame ? 2 * ((r->size + r->frame - 1) / r->frame) :
		 r->hdr ? 2 : 1;
	z->cap = r->nconns * r->depth * z->per;
	ret = zcopy_open(&z->ctx, open_flags);
	if (ret) {
		fprintf(stderr, "zcbench: /dev/zcopy: %s\n", strerror(-ret));
		return -1;
	}
	for (i = 0; i < r->nconns; i++) {
		ret = zcopy_register_socket(z->ctx, r->conns[i].fd);
		if (ret) {
			fprintf(stderr, "zcbench: ZCOPY_IOC_REGISTER: %s\n", strerror(-ret));
			return -1;
		}
	}
	return epoll_ctl(r->ep, EPOLL_CTL_ADD, zcopy_fd(z->ctx), &e);
}

static int zc_setup_default(struct run *r)
{
	return zc_setup(r, 0, 0);
}

static int zc_setup_release(struct run *r)
{
	return zc_setup(r, ZCOPY_F_RELEASE, 0);
}

/* Without the module's rings: SUBMIT's array and read(). */
static int zc_setup_read(struct run *r)
{
	return zc_setup(r, 0, ZCOPY_OPEN_NO_RINGS);
}

static void zc_teardown(struct run *r)
{
	struct zc *z = r->priv;

	if (z)
		zcopy_close(z->ctx);
	free(z);
	r->priv = NULL;
}

/*
 * Copy mode (the administrator's, so zcbench must run as root) for this
 * method's transfers: on while they are submitted, off after, whatever
 * it was before.
 */
static int zc_copy_mode(int on)
{
	return system(on ? "zcctl config set copy-mode on" :
			   "zcctl config set copy-mode off") ? -1 : 0;
}

static int zc_setup_copy(struct run *r)
{
	if (zc_copy_mode(1)) {
		fprintf(stderr, "zcbench: zcopy+copy: zcctl config set "
				"copy-mode on failed (as root?)\n");
		return -1;
	}
	return zc_setup(r, 0, 0);
}

static void zc_teardown_copy(struct run *r)
{
	zc_teardown(r);
	zc_copy_mode(0);
}

const struct method zcb_zcopy = {
	.name = "zcopy", .epoll_events = EPOLLIN, .headers = 1, .frames = 1,
	.setup = zc_setup_default, .stream = zc_stream, .teardown = zc_teardown,
};

const struct method zcb_zcopy_release = {
	.name = "zcopy+release", .epoll_events = EPOLLIN, .headers = 1,
	.setup = zc_setup_release, .stream = zc_stream, .teardown = zc_teardown,
};

const struct method zcb_zcopy_copy = {
	.name = "zcopy+copy", .epoll_events = EPOLLIN, .headers = 1, .frames = 1,
	.named_only = 1,	/* it changes the module's setting */
	.setup = zc_setup_copy, .stream = zc_stream,
	.teardown = zc_teardown_copy,
};

const struct method zcb_zcopy_read = {
	.name = "zcopy+read", .epoll_events = EPOLLIN, .headers = 1, .frames = 1,
	.setup = zc_setup_read, .stream = zc_stream, .teardown = zc_teardown,
};
