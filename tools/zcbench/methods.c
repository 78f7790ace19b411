// SPDX-License-Identifier: GPL-2.0
/*
 * The methods that send with ordinary system calls.  Each pump() moves
 * as much of the current file to one socket as that socket takes now,
 * and returns when it takes no more (EAGAIN) or the file is all handed
 * over; the engine begins the next file.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/errqueue.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/sendfile.h>
#include <sys/socket.h>

#include "zcbench.h"

#define RW_BUF		(64 << 10)	/* read+write's buffer */
#define PIPE_BYTES	(1 << 20)	/* splice's pipe */

static int would_block(const char *what)
{
	if (errno == EAGAIN)
		return 0;
	perror(what);
	return -1;
}

/*
 * --frame: the connection's next frame, its header and its data, read
 * into the buffer to go out in one write, as a server frames a stream.
 */
static int rw_frame(struct run *r, struct conn *c)
{
	size_t len = c->frame_left;
	ssize_t n;

	n = SYS(pread(r->file, c->buf + ZCB_FRAME_HDR, len, c->off));
	if (n != (ssize_t)len) {
		perror("zcbench: pread");
		return -1;
	}
	memcpy(c->buf, zcb_header, ZCB_FRAME_HDR);
	c->buf_len = ZCB_FRAME_HDR + len;
	c->buf_pos = 0;
	c->off += len;
	c->left -= len;
	c->hdr_left = c->frame_left = 0;
	zcb_frame_next(r, c);
	return 0;
}

/* read + write: every byte copied into this buffer and out again. */
static int rw_pump(struct run *r, struct conn *c)
{
	ssize_t n;

	while (c->left || c->buf_pos < c->buf_len) {
		if (c->buf_pos == c->buf_len && r->frame) {
			if (rw_frame(r, c))
				return -1;
		} else if (c->buf_pos == c->buf_len) {
			n = SYS(pread(r->file, c->buf, c->left < RW_BUF ? c->left : RW_BUF,
				      c->off));
			if (n <= 0) {
				perror("zcbench: pread");
				return -1;
			}
			c->buf_len = n;
			c->buf_pos = 0;
			c->off += n;
			c->left -= n;
		}
		n = SYS(write(c->fd, c->buf + c->buf_pos, c->buf_len - c->buf_pos));
		if (n < 0)
			return would_block("zcbench: write");
		c->buf_pos += n;
	}
	return 0;
}

static int rw_setup(struct run *r)
{
	int i;

	for (i = 0; i < r->nconns; i++) {
		r->conns[i].buf = malloc(RW_BUF);
		if (!r->conns[i].buf)
			return -1;
	}
	return 0;
}

static void rw_teardown(struct run *r)
{
	int i;

	for (i = 0; i < r->nconns; i++) {
		free(r->conns[i].buf);
		r->conns[i].buf = NULL;
	}
}

static int mmap_pump(struct run *r, struct conn *c)
{
	ssize_t n;

	(void)r;
	while (c->left) {
		n = SYS(write(c->fd, (char *)c->map + c->off, c->left));
		if (n < 0)
			return would_block("zcbench: write");
		c->off += n;
		c->left -= n;
	}
	return 0;
}

/*
 * --header: the file's header, written as a server writes a response's
 * head before sendfile() (@flags: MSG_MORE, say).  Returns 0 once it is
 * sent or the socket is full (c->hdr_left tells), -1 on error.
 */
static int header_pump(struct run *r, struct conn *c, int flags)
{
	size_t len = r->frame ? ZCB_FRAME_HDR : r->hdr;
	ssize_t n;

	while (c->hdr_left) {
		n = SYS(send(c->fd, zcb_header + len - c->hdr_left, c->hdr_left,
			     MSG_NOSIGNAL | flags));
		if (n < 0)
			return would_block("zcbench: header");
		c->hdr_left -= n;
	}
	return 0;
}

/*
 * The header, then the file; --frame: each frame's header written, then
 * its data by sendfile(), frame after frame.
 */
static int sendfile_pump(struct run *r, struct conn *c)
{
	size_t want;
	ssize_t n;

	do {
		if (header_pump(r, c, 0))
			return -1;
		if (c->hdr_left)
			return 0;
		while (c->left && (!r->frame || c->frame_left)) {
			want = r->frame ? c->frame_left : c->left;
			n = SYS(sendfile(c->fd, r->file, &c->off, want));
			if (n < 0)
				return would_block("zcbench: sendfile");
			if (!n) {
				fprintf(stderr, "zcbench: the file shrank\n");
				return -1;
			}
			c->left -= n;
			if (r->frame)
				c->frame_left -= n;
		}
		if (r->frame)
			zcb_frame_next(r, c);
	} while (c->hdr_left);
	return 0;
}

static int cork(struct conn *c, int on)
{
	if (SYS(setsockopt(c->fd, IPPROTO_TCP, TCP_CORK, &on, sizeof(on)))) {
		perror("zcbench: TCP_CORK");
		return -1;
	}
	c->corked = on;
	return 0;
}

/*
 * nginx's sequence with "sendfile on; tcp_nopush on;": TCP_CORK, the
 * header, sendfile(), and the cork pulled once the response is handed
 * over, so that the header and the file's first bytes share segments.
 */
static int sendfile_cork_pump(struct run *r, struct conn *c)
{
	if (!c->corked && (c->hdr_left || c->left) && cork(c, 1))
		return -1;
	if (sendfile_pump(r, c))
		return -1;
	if (c->corked && !c->hdr_left && !c->left && cork(c, 0))
		return -1;
	return 0;
}

/* splice: file -> this connection's pipe -> socket, page references only. */
static int splice_pump(struct run *r, struct conn *c)
{
	ssize_t n;

	while (c->left || c->in_pipe) {
		if (!c->in_pipe) {
			n = SYS(splice(r->file, &c->off, c->pipe[1], NULL,
				       c->left < PIPE_BYTES ? c->left : PIPE_BYTES,
				       SPLICE_F_MOVE | SPLICE_F_NONBLOCK));
			if (n <= 0) {
				perror("zcbench: splice from the file");
				return -1;
			}
			c->in_pipe = n;
			c->left -= n;
		}
		n = SYS(splice(c->pipe[0], NULL, c->fd, NULL, c->in_pipe,
			       SPLICE_F_MOVE | SPLICE_F_NONBLOCK |
			       (c->left ? SPLICE_F_MORE : 0)));
		if (n < 0)
			return would_block("zcbench: splice to the socket");
		c->in_pipe -= n;
	}
	return 0;
}

int zcb_pipes_open(struct run *r)
{
	int i;

	for (i = 0; i < r->nconns; i++) {
		struct conn *c = &r->conns[i];

		if (pipe2(c->pipe, O_CLOEXEC) < 0) {
			perror("zcbench: pipe");
			return -1;
		}
		/* As large as an unprivileged user may have by default. */
		fcntl(c->pipe[1], F_SETPIPE_SZ, PIPE_BYTES);
	}
	return 0;
}

void zcb_pipes_close(struct run *r)
{
	int i;

	for (i = 0; i < r->nconns; i++) {
		close(r->conns[i].pipe[0]);
		close(r->conns[i].pipe[1]);
	}
}

/*
 * MSG_ZEROCOPY from the mapping: the socket keeps references to the
 * mapped pages until the stack is done with them, and says so on the
 * error queue; the stream ends only when every send has been released.
 */
static int msgzc_reap(struct conn *c)
{
	char control[128];
	struct msghdr msg = {
		.msg_control = control,
		.msg_controllen = sizeof(control),
	};
	struct sock_extended_err *ee;
	struct cmsghdr *cm;

	for (;;) {
		msg.msg_controllen = sizeof(control);
		if (SYS(recvmsg(c->fd, &msg, MSG_ERRQUEUE | MSG_DONTWAIT)) < 0)
			return would_block("zcbench: recvmsg(MSG_ERRQUEUE)");
		for (cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm)) {
			if (!((cm->cmsg_level == SOL_IP && cm->cmsg_type == IP_RECVERR) ||
			      (cm->cmsg_level == SOL_IPV6 && cm->cmsg_type == IPV6_RECVERR)))
				continue;
			ee = (struct sock_extended_err *)CMSG_DATA(cm);
			if (ee->ee_origin != SO_EE_ORIGIN_ZEROCOPY) {
				fprintf(stderr, "zcbench: socket error %u\n", ee->ee_errno);
				return -1;
			}
			/* ee_info..ee_data: the range of sends released */
			c->zc_done += ee->ee_data - ee->ee_info + 1;
		}
	}
}

static int msgzc_pump(struct run *r, struct conn *c)
{
	ssize_t n;

	(void)r;
	/* Only when EPOLLERR said so: a recvmsg per file would be wasted. */
	if (c->errq) {
		c->errq = 0;
		if (c->zc_sent != c->zc_done && msgzc_reap(c) < 0)
			return -1;
	}
	while (c->left) {
		n = SYS(send(c->fd, (char *)c->map + c->off, c->left,
			     MSG_ZEROCOPY | MSG_DONTWAIT));
		if (n < 0) {
			/* ENOBUFS: out of option memory until releases come */
			if (errno == ENOBUFS && c->zc_sent != c->zc_done)
				return 0;
			return would_block("zcbench: send(MSG_ZEROCOPY)");
		}
		c->zc_sent++;
		c->off += n;
		c->left -= n;
	}
	return 0;
}

static int msgzc_setup(struct run *r)
{
	int i, one = 1;

	for (i = 0; i < r->nconns; i++)
		if (setsockopt(r->conns[i].fd, SOL_SOCKET, SO_ZEROCOPY, &one,
			       sizeof(one)) < 0) {
			perror("zcbench: SO_ZEROCOPY");
			return -1;
		}
	return 0;
}

const struct method zcb_read_write = {
	.name = "read+write", .epoll_events = EPOLLIN | EPOLLOUT, .frames = 1,
	.setup = rw_setup, .pump = rw_pump, .teardown = rw_teardown,
};

const struct method zcb_mmap_write = {
	.name = "mmap+write", .epoll_events = EPOLLIN | EPOLLOUT, .maps_file = 1,
	.pump = mmap_pump,
};

const struct method zcb_sendfile = {
	.name = "sendfile", .epoll_events = EPOLLIN | EPOLLOUT,
	.pump = sendfile_pump, .headers = 1, .frames = 1,
};

const struct method zcb_sendfile_cork = {
	.name = "sendfile+cork", .epoll_events = EPOLLIN | EPOLLOUT,
	.pump = sendfile_cork_pump, .headers = 1,
};

const struct method zcb_splice = {
	.name = "splice", .epoll_events = EPOLLIN | EPOLLOUT,
	.setup = zcb_pipes_open, .pump = splice_pump, .teardown = zcb_pipes_close,
};

const struct method zcb_msg_zerocopy = {
	.name = "msg_zerocopy", .epoll_events = EPOLLIN | EPOLLOUT, .maps_file = 1,
	.no_tls = 1,	/* kTLS refuses MSG_ZEROCOPY */
	.setup = msgzc_setup, .pump = msgzc_pump,
};
