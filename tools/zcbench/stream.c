// SPDX-License-Identifier: GPL-2.0
/*
 * What every method shares about a stream of files: when a connection
 * may begin its next file (the window of depth unacknowledged files),
 * when it stops (at a batch boundary, once the budget is spent), and
 * what the receiver's acknowledgements say (files confirmed, and how
 * long each took from its beginning to its acknowledgement).
 *
 * The window is what makes the benchmark measure cost rather than round
 * trips: with depth 1 and batch 1 a connection waits for each file's
 * acknowledgement before it begins the next (stop and wait), and a small
 * file's figures are mostly the wait.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "zcbench.h"

int zcb_stream_init(struct run *r)
{
	int i;

	for (i = 0; i < r->nconns; i++) {
		struct conn *c = &r->conns[i];

		free(c->began);
		c->began = calloc(r->depth, sizeof(*c->began));
		if (!c->began)
			return -1;
		c->off = 0;
		c->left = 0;
		c->hdr_left = 0;
		c->frame_left = 0;
		c->corked = 0;
		c->started = c->acked = 0;
		c->finished = 0;
		c->buf_len = c->buf_pos = 0;
		c->in_pipe = 0;
		c->zc_sent = c->zc_done = 0;
		c->errq = 0;
		c->busy = c->ack_armed = 0;
	}
	r->begun = 0;
	r->t0 = zcb_now();
	return 0;
}

void zcb_stream_free(struct run *r)
{
	int i;

	for (i = 0; i < r->nconns; i++) {
		free(r->conns[i].began);
		r->conns[i].began = NULL;
	}
	free(r->lat);
	r->lat = NULL;
	r->nlat = r->lat_cap = 0;
}

/* Checked only where a batch would begin, so every batch is whole. */
static int budget_spent(struct run *r, const struct conn *c)
{
	if (!c->started)
		return 0;
	if (r->max_files && c->started >= r->max_files)
		return 1;
	if (r->budget && r->begun >= r->budget)
		return 1;
	return r->max_secs > 0 && zcb_now() - r->t0 >= r->max_secs;
}

/*
 * Begins the connection's next file if the window and the budget let
 * it: 1 if it did (off and left describe the whole file), 0 if not.
 */
int zcb_file_begin(struct run *r, struct conn *c)
{
	if (c->finished || c->started - c->acked >= r->depth)
		return 0;
	if (!(c->started % r->batch) && budget_spent(r, c)) {
		c->finished = 1;
		return 0;
	}
	c->began[c->started % r->depth] = zcb_now();
	c->started++;
	c->off = 0;
	c->left = r->size;
	c->hdr_left = r->hdr;
	if (r->frame) {
		c->hdr_left = ZCB_FRAME_HDR;
		c->frame_left = r->size < r->frame ? r->size : r->frame;
	}
	r->begun += r->size;
	return 1;
}

/*
 * --frame: the current frame's data is all handed over; the next one,
 * if the file has more, begins with its header.
 */
void zcb_frame_next(struct run *r, struct conn *c)
{
	if (c->frame_left || !c->left)
		return;
	c->hdr_left = ZCB_FRAME_HDR;
	c->frame_left = c->left < r->frame ? c->left : r->frame;
}

static void lat_add(struct run *r, double secs)
{
	if (r->nlat == r->lat_cap) {
		size_t cap = r->lat_cap ? 2 * r->lat_cap : 4096;
		double *l = realloc(r->lat, cap * sizeof(*l));

		/* Out of memory: the figure gets fewer samples, not wrong ones. */
		if (!l)
			return;
		r->lat = l;
		r->lat_cap = cap;
	}
	r->lat[r->nlat++] = secs;
}

/* BYTES acknowledgement bytes arrived: each confirms a batch of files. */
void zcb_acked(struct run *r, struct conn *c, long bytes)
{
	double now = zcb_now();
	long n = bytes * r->batch;

	for (; n > 0 && c->acked < c->started; n--, c->acked++)
		lat_add(r, now - c->began[c->acked % r->depth]);
}

/* Reads every acknowledgement there is: the socket is edge-triggered. */
int zcb_read_ack(struct run *r, struct conn *c)
{
	char b[64];
	ssize_t n;

	do {
		n = SYS(read(c->fd, b, sizeof(b)));
		if (n > 0)
			zcb_acked(r, c, n);
	} while (n == sizeof(b));
	if (n > 0 || (n < 0 && errno == EAGAIN))
		return 0;
	fprintf(stderr, "zcbench: connection lost before the receiver confirmed (%s)\n",
		n ? strerror(errno) : "closed");
	return -1;
}

/* Every file begun is handed over and confirmed, and no more will begin. */
int zcb_conn_done(const struct conn *c)
{
	return c->finished && c->acked == c->started && !c->left && !c->hdr_left &&
	       c->buf_pos == c->buf_len && !c->in_pipe && c->zc_done == c->zc_sent;
}
