// SPDX-License-Identifier: LGPL-2.1 OR MIT
/*
 * The fallback: without the module, sendfile(2) in the calling thread.
 *
 * Each registered socket has a FIFO of transfers.  A transfer is sent as
 * far as the socket takes at once, in zcopy_submit() (a blocking socket
 * takes it all, blocking), and the rest in zcopy_peek_*() and
 * zcopy_wait_cqe() when the socket has room again.  The context's
 * descriptor is an epoll instance holding an eventfd, readable while
 * completions wait to be read, and every socket whose transfer is
 * waiting for room (EPOLLOUT): so it wakes an application's own poll
 * loop both when there is a completion and when peeking would send
 * more, and that loop is the same as with the module.
 *
 * Invariant: a socket's FIFO is non-empty only while the socket is
 * "armed" (in the epoll set), because sending stops only at EAGAIN.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "internal.h"

/* As the module's default: completions never need to be allocated. */
#define FB_MAX_INFLIGHT	ZCOPY_DEFAULT_MAX_INFLIGHT
#define FB_CHUNK	(1U << 30)	/* under sendfile's 0x7ffff000 */

/* A response completed as one (ZCOPY_F_GROUP), as the module does. */
struct fb_group {
	unsigned int left;	/* members not yet complete */
	int64_t sent;
	int err;		/* the first, -ECANCELED only if no other */
	bool counted;		/* by a cancel: it completes -ECANCELED */
	uint64_t user_data;	/* its last entry's */
};

struct fb_xfer {
	struct fb_xfer *next;
	struct fb_group *group;	/* or NULL */
	int file;		/* ours: the caller may close theirs; -1: buf */
	char *buf;		/* ZCOPY_F_BUFFER: our copy of the bytes */
	off_t pos;
	uint64_t left;
	int64_t sent;
	uint64_t user_data;
	bool until_eof;		/* no size to clip to: its read ends it */
	bool independent;	/* ZCOPY_F_INDEPENDENT */
};

struct fb_sock {
	struct fb_sock *next;	/* same descriptor number, other socket */
	int fd;			/* the caller's descriptor */
	int dup;		/* ours: holds the connection, as the module does */
	dev_t dev;
	ino_t ino;		/* the socket fd named at registration */
	bool armed;
	struct fb_xfer *head, **tail;
};

struct fb {
	int ep;			/* the context's descriptor */
	int efd;
	bool signalled;		/* efd counts one: cq is not empty */
	struct fb_sock **socks;	/* by the caller's descriptor */
	unsigned int nsocks, armed;
	struct zcopy_cqe *cq;	/* a ring of FB_MAX_INFLIGHT */
	unsigned int cq_head, cq_len;
	unsigned int inflight;	/* submitted, completion not yet read */
};

/*
 * sendfile() raises SIGPIPE on a closed connection; the module does not
 * (its completion says -EPIPE).  Block it while sending, and take back
 * one that sending raised, unless one was already pending.
 */
struct pipe_guard {
	sigset_t old, pipe;
	bool pending;
};

static void guard_begin(struct pipe_guard *g)
{
	sigset_t now;

	sigemptyset(&g->pipe);
	sigaddset(&g->pipe, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &g->pipe, &g->old);
	g->pending = !sigpending(&now) && sigismember(&now, SIGPIPE);
}

static void guard_end(struct pipe_guard *g, bool epipe)
{
	static const struct timespec zero;

	if (epipe && !g->pending)
		sigtimedwait(&g->pipe, NULL, &zero);
	pthread_sigmask(SIG_SETMASK, &g->old, NULL);
}

static void signal_ready(struct fb *fb)
{
	uint64_t one = 1;

	if (!fb->signalled && fb->cq_len)
		fb->signalled = write(fb->efd, &one, sizeof(one)) == sizeof(one);
}

static void unsignal(struct fb *fb)
{
	uint64_t v;

	if (fb->signalled && !fb->cq_len)
		fb->signalled = read(fb->efd, &v, sizeof(v)) != sizeof(v);
}

static void xfer_free(struct fb_xfer *x)
{
	if (x->file >= 0)
		close(x->file);
	free(x->buf);
	free(x);
}

/*
 * Complete @x, ended by @err (0: it got to its end), as the module does:
 * res is the bytes sent, or the errno if it failed before the first.
 * Never full: inflight, which counts these too, is bounded by its size.
 */
static void complete(struct fb *fb, struct fb_xfer *x, int err)
{
	struct fb_group *g = x->group;
	uint64_t user_data = x->user_data;
	int64_t sent = x->sent;
	unsigned int i;

	xfer_free(x);
	if (g) {
		g->sent += sent;
		if (err && (!g->err || g->err == -ECANCELED))
			g->err = err;
		if (--g->left) {
			fb->inflight--;	/* no record of its own */
			return;
		}
		user_data = g->user_data;
		sent = g->sent;
		err = g->counted ? -ECANCELED : g->err;
		free(g);
	}
	i = (fb->cq_head + fb->cq_len++) % FB_MAX_INFLIGHT;
	fb->cq[i] = (struct zcopy_cqe){
		.user_data = user_data,
		.res = sent || !err || err == -ENODATA ? sent : err,
		.error = err,
	};
}

/*
 * The transfer at the head of the FIFO ended early, and is off it:
 * cancel the ones queued behind it, except ZCOPY_F_INDEPENDENT ones, as
 * the module does.
 */
static void cancel_behind(struct fb *fb, struct fb_sock *s)
{
	struct fb_xfer **p = &s->head, *x;

	while ((x = *p)) {
		if (x->independent) {
			p = &x->next;
			continue;
		}
		*p = x->next;
		complete(fb, x, -ECANCELED);
	}
	s->tail = p;
}

/* Waiting for room, or not: only sockets waiting are in the epoll set. */
static void arm(struct fb *fb, struct fb_sock *s, bool on)
{
	struct epoll_event ev = { .events = EPOLLOUT, .data.ptr = s };

	if (s->armed == on)
		return;
	if (epoll_ctl(fb->ep, on ? EPOLL_CTL_ADD : EPOLL_CTL_DEL, s->dup, &ev))
		return;	/* ENOMEM: then only a later call retries it */
	s->armed = on;
	fb->armed += on ? 1 : -1;
}

static struct fb_xfer *pop(struct fb_sock *s)
{
	struct fb_xfer *x = s->head;

	s->head = x->next;
	if (!s->head)
		s->tail = &s->head;
	return x;
}

/*
 * One send of @x: a buffer's bytes as write() sends them, saying more
 * follows when another entry is queued behind, as the module does; a
 * file range by sendfile().
 */
static ssize_t send_some(struct fb_sock *s, struct fb_xfer *x)
{
	if (x->buf)
		return send(s->dup, x->buf + x->sent, x->left,
			    MSG_DONTWAIT | MSG_NOSIGNAL |
			    (x->next ? MSG_MORE : 0));
	return sendfile(s->dup, x->file, &x->pos,
			x->left < FB_CHUNK ? x->left : FB_CHUNK);
}

/*
 * Send the socket's transfers, in order, until it is full (then wait
 * for room) or they are all done.  Returns whether one met EPIPE.
 */
static bool run_sock(struct fb *fb, struct fb_sock *s)
{
	struct fb_xfer *x;
	bool epipe = false;
	ssize_t n;
	int err;

	while ((x = s->head)) {
		err = 0;
		if (x->left) {
			n = send_some(s, x);
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0 && errno == EAGAIN) {
				arm(fb, s, true);
				return epipe;
			}
			if (n > 0) {
				x->sent += n;
				x->left -= n;
				continue;
			}
			/* n == 0: the file ended before the range did. */
			err = n < 0 ? -errno : x->until_eof ? 0 : -ENODATA;
			epipe |= err == -EPIPE;
		}
		complete(fb, pop(s), err);
		if (err)
			cancel_behind(fb, s);
	}
	arm(fb, s, false);
	return epipe;
}

/* Run the sockets whose room the epoll set reports. */
static void progress(struct fb *fb)
{
	struct epoll_event ev[64];
	struct pipe_guard g;
	bool epipe = false;
	int i, n;

	if (!fb->armed)
		return;
	n = epoll_wait(fb->ep, ev, 64, 0);
	if (n <= 0)
		return;
	guard_begin(&g);
	for (i = 0; i < n; i++)
		if (ev[i].data.ptr)	/* not the eventfd */
			epipe |= run_sock(fb, ev[i].data.ptr);
	guard_end(&g, epipe);
	signal_ready(fb);
}

int fb_open(struct zcopy *z)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = NULL };
	struct fb *fb = calloc(1, sizeof(*fb));
	int ret = -ENOMEM;

	if (!fb)
		return ret;
	fb->ep = fb->efd = -1;
	fb->cq = calloc(FB_MAX_INFLIGHT, sizeof(*fb->cq));
	if (!fb->cq)
		goto fail;
	fb->ep = epoll_create1(EPOLL_CLOEXEC);
	fb->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (fb->ep < 0 || fb->efd < 0 ||
	    epoll_ctl(fb->ep, EPOLL_CTL_ADD, fb->efd, &ev)) {
		ret = -errno;
		goto fail;
	}
	z->fallback = true;
	z->fd = fb->ep;
	z->fb = fb;
	return 0;
fail:
	if (fb->ep >= 0)
		close(fb->ep);
	if (fb->efd >= 0)
		close(fb->efd);
	free(fb->cq);
	free(fb);
	return ret;
}

/*
 * Cancel the socket's transfers that match, and what is queued behind
 * each, except independent ones, as the module does; returns how many
 * matched.
 */
static int cancel_sock(struct fb *fb, struct fb_sock *s, bool all,
		       uint64_t user_data)
{
	struct fb_xfer **p = &s->head, *x;
	bool match, count, behind = false;
	int n = 0;

	while ((x = *p)) {
		match = all || x->user_data == user_data;
		if (!match && (!behind || x->independent)) {
			p = &x->next;
			continue;
		}
		/* A group has one record: counted once. */
		count = match;
		if (count && x->group) {
			count = !x->group->counted;
			x->group->counted = true;
		}
		*p = x->next;
		complete(fb, x, -ECANCELED);
		n += count;
		behind = true;
	}
	s->tail = p;
	if (!s->head)
		arm(fb, s, false);
	return n;
}

static void free_sock(struct fb *fb, struct fb_sock *s)
{
	cancel_sock(fb, s, true, 0);
	close(s->dup);
	free(s);
}

void fb_close(struct zcopy *z)
{
	struct fb *fb = z->fb;
	struct fb_sock *s;
	unsigned int i;

	for (i = 0; i < fb->nsocks; i++)
		while ((s = fb->socks[i])) {
			fb->socks[i] = s->next;
			free_sock(fb, s);
		}
	close(fb->ep);
	close(fb->efd);
	free(fb->socks);
	free(fb->cq);
	free(fb);
}

/*
 * The registration of @fd, as the module finds it: by the descriptor
 * and the socket it names now (EBADF if it names none).
 */
static struct fb_sock **find_sock(struct fb *fb, int fd, int *err)
{
	struct fb_sock **p;
	struct stat st;

	if (fd < 0 || fstat(fd, &st)) {
		*err = -EBADF;
		return NULL;
	}
	*err = -ENOENT;
	if ((unsigned int)fd >= fb->nsocks)
		return NULL;
	for (p = &fb->socks[fd]; *p; p = &(*p)->next)
		if ((*p)->dev == st.st_dev && (*p)->ino == st.st_ino) {
			*err = 0;
			return p;
		}
	return NULL;
}

/* Is the socket registered through any descriptor?  (EBUSY) */
static bool sock_taken(struct fb *fb, const struct stat *st)
{
	struct fb_sock *s;
	unsigned int i;

	for (i = 0; i < fb->nsocks; i++)
		for (s = fb->socks[i]; s; s = s->next)
			if (s->dev == st->st_dev && s->ino == st->st_ino)
				return true;
	return false;
}

static int grow_socks(struct fb *fb, int fd)
{
	unsigned int n = fb->nsocks ? fb->nsocks : 64;
	struct fb_sock **socks;

	while (n <= (unsigned int)fd)
		n *= 2;
	if (n == fb->nsocks)
		return 0;
	socks = realloc(fb->socks, n * sizeof(*socks));
	if (!socks)
		return -ENOMEM;
	memset(socks + fb->nsocks, 0, (n - fb->nsocks) * sizeof(*socks));
	fb->socks = socks;
	fb->nsocks = n;
	return 0;
}

int fb_register(struct zcopy *z, int sock_fd)
{
	struct fb *fb = z->fb;
	struct fb_sock *s;
	struct stat st;
	int ret;

	ret = fb_check_socket(sock_fd);
	if (ret)
		return ret;
	if (find_sock(fb, sock_fd, &ret))
		return -EEXIST;
	if (fstat(sock_fd, &st))
		return -EBADF;
	if (sock_taken(fb, &st))
		return -EBUSY;
	ret = grow_socks(fb, sock_fd);
	if (ret)
		return ret;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->dup = fcntl(sock_fd, F_DUPFD_CLOEXEC, 0);
	if (s->dup < 0) {
		ret = -errno;
		free(s);
		return ret;
	}
	s->fd = sock_fd;
	s->dev = st.st_dev;
	s->ino = st.st_ino;
	s->tail = &s->head;
	s->next = fb->socks[sock_fd];
	fb->socks[sock_fd] = s;
	return 0;
}

/* As the module: what was pending on the socket completes -ECANCELED. */
int fb_unregister(struct zcopy *z, int sock_fd)
{
	struct fb *fb = z->fb;
	struct fb_sock **p, *s;
	int ret;

	p = find_sock(fb, sock_fd, &ret);
	if (!p)
		return ret;
	s = *p;
	*p = s->next;
	free_sock(fb, s);
	signal_ready(fb);
	return 0;
}

/* A ZCOPY_F_BUFFER entry's checks, as the module's. */
static int check_buffer(const struct zcopy_sqe *sqe)
{
	if (!(sqe->flags & ZCOPY_F_BUFFER))
		return 0;
	if (sqe->file_fd != -1 || !sqe->len)
		return -EINVAL;
	return sqe->len > ZCOPY_BUFFER_MAX ? -EMSGSIZE : 0;
}

/* Our copy of a buffer's bytes (the module's copy at SUBMIT), or the file. */
static int take_source(const struct zcopy_sqe *sqe, struct fb_xfer *x)
{
	if (sqe->flags & ZCOPY_F_BUFFER) {
		x->file = -1;
		x->buf = malloc(sqe->len);
		if (!x->buf)
			return -ENOMEM;
		memcpy(x->buf, (const void *)(uintptr_t)sqe->addr, sqe->len);
		return 0;
	}
	x->file = fcntl(sqe->file_fd, F_DUPFD_CLOEXEC, 0);
	return x->file < 0 ? -errno : 0;
}

/*
 * Checks in the module's order: flags, the buffer, the socket (the one
 * of the response that @link continues, if any), then the file.
 */
static int submit_one(struct fb *fb, const struct zcopy_sqe *sqe,
		      struct fb_sock *link, uint32_t link_flags,
		      struct fb_sock **sp, struct fb_xfer **xp)
{
	bool until_eof = false;
	struct fb_sock **p;
	struct fb_xfer *x;
	uint64_t len = sqe->len;
	int ret;

	if (sqe->flags & ~ZCOPY_F_ALL || sqe->reserved0 ||
	    sqe->reserved[0] || sqe->reserved[1])
		return -EINVAL;
	/* RELEASE, DONTCACHE: see zcopy_probe() */
	if (sqe->flags & ~FB_SQE_FLAGS)
		return -EOPNOTSUPP;
	ret = check_buffer(sqe);
	if (ret)
		return ret;
	p = find_sock(fb, sqe->sock_fd, &ret);
	if (!p)
		return ret;
	if (link && (*p != link || (link_flags ^ sqe->flags) & ZCOPY_F_GROUP))
		return -EINVAL;
	if (!(sqe->flags & ZCOPY_F_BUFFER)) {
		ret = fb_check_sqe(sqe, &len, &until_eof);
		if (ret)
			return ret;
	}
	if (fb->inflight >= FB_MAX_INFLIGHT)
		return -EAGAIN;
	x = calloc(1, sizeof(*x));
	if (!x)
		return -ENOMEM;
	ret = take_source(sqe, x);
	if (ret) {
		free(x);
		return ret;
	}
	x->pos = sqe->offset;
	x->left = len;
	x->user_data = sqe->user_data;
	x->until_eof = until_eof;
	x->independent = sqe->flags & ZCOPY_F_INDEPENDENT;
	*(*p)->tail = x;
	(*p)->tail = &x->next;
	fb->inflight++;
	*sp = *p;
	*xp = x;
	return 0;
}

/* The response from @first to the end of @s's queue completes as one. */
static int make_group(struct fb_xfer *first)
{
	struct fb_group *g = calloc(1, sizeof(*g));
	struct fb_xfer *x;

	if (!g)
		return -ENOMEM;
	for (x = first; x; x = x->next) {
		x->group = g;
		g->left++;
		g->user_data = x->user_data;
	}
	return 0;
}

/*
 * A response refused part-way, from @first to the end of @s's queue:
 * none of it was accepted, none of it completes (as the module does).
 */
static void drop_response(struct fb *fb, struct fb_sock *s,
			  struct fb_xfer *first)
{
	struct fb_xfer **p = &s->head, *x;

	while (*p != first)
		p = &(*p)->next;
	while ((x = *p)) {
		*p = x->next;
		xfer_free(x);
		fb->inflight--;
	}
	s->tail = p;
}

/*
 * Entry by entry, each sent at once as far as its socket takes, unless
 * the socket is already waiting for room: the epoll set watches that.
 * The entries of a response (ZCOPY_F_LINK) are queued first, then sent;
 * whole responses only are accepted.
 */
int fb_submit(struct zcopy *z)
{
	struct fb *fb = z->fb;
	struct pipe_guard g;
	struct fb_sock *s = NULL, *link = NULL;
	struct fb_xfer *x = NULL, *first = NULL;
	uint32_t flags = 0;
	unsigned int i, n = 0;
	bool epipe = false;
	int ret = 0;

	guard_begin(&g);
	for (i = z->sq_head; i < z->sq_tail; i++) {
		ret = submit_one(fb, &z->sq[i], link, flags, &s, &x);
		if (ret)
			break;
		if (!link) {
			first = x;
			flags = z->sq[i].flags;
		}
		n++;
		link = NULL;
		if (z->sq[i].flags & ZCOPY_F_LINK && i + 1 < z->sq_tail) {
			link = s;
			continue;
		}
		if (flags & ZCOPY_F_GROUP && make_group(first)) {
			/* No memory to complete it as one: refused whole. */
			drop_response(fb, s, first);
			i -= n - 1;
			ret = -ENOMEM;
			break;
		}
		n = 0;
		if (!s->armed)
			epipe |= run_sock(fb, s);
	}
	if (link) {
		drop_response(fb, link, first);
		i -= n;
	}
	guard_end(&g, epipe);
	signal_ready(fb);
	i -= z->sq_head;
	return i ? (int)i : ret;
}

int fb_peek(struct zcopy *z, struct zcopy_cqe *cqes, unsigned int max)
{
	struct fb *fb = z->fb;
	unsigned int i, n;

	progress(fb);
	n = fb->cq_len < max ? fb->cq_len : max;
	for (i = 0; i < n; i++)
		cqes[i] = fb->cq[(fb->cq_head + i) % FB_MAX_INFLIGHT];
	fb->cq_head = (fb->cq_head + n) % FB_MAX_INFLIGHT;
	fb->cq_len -= n;
	fb->inflight -= n;
	unsignal(fb);
	return n ? (int)n : -EAGAIN;
}

int fb_cancel(struct zcopy *z, uint64_t user_data)
{
	struct fb *fb = z->fb;
	struct fb_sock *s;
	unsigned int i;
	int n = 0;

	for (i = 0; i < fb->nsocks; i++)
		for (s = fb->socks[i]; s; s = s->next)
			n += cancel_sock(fb, s, false, user_data);
	signal_ready(fb);
	return n ? n : -ENOENT;
}
