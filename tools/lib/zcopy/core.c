// SPDX-License-Identifier: LGPL-2.1 OR MIT
/*
 * The public functions: the context, the local batch of prepared
 * entries, and waiting.  What differs between the module and the
 * sendfile fallback is in dev.c and fallback.c.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>

#include "internal.h"

static bool no_device(int err)
{
	return err == -ENOENT || err == -ENODEV || err == -ENXIO;
}

ZCOPY_EXPORT int zcopy_open(struct zcopy **zp, unsigned int flags)
{
	struct zcopy *z;
	int ret;

	if (flags & ~(ZCOPY_OPEN_FALLBACK | ZCOPY_OPEN_FORCE_FALLBACK |
		      ZCOPY_OPEN_LEND | ZCOPY_OPEN_NO_RINGS))
		return -EINVAL;
	z = calloc(1, sizeof(*z));
	if (!z)
		return -ENOMEM;
	z->fd = -1;
	if (flags & ZCOPY_OPEN_FORCE_FALLBACK) {
		ret = fb_open(z);
	} else {
		ret = dev_open(z, !(flags & ZCOPY_OPEN_NO_RINGS));
		/* Only a missing module falls back: EACCES, EMFILE... do not. */
		if (no_device(ret) && (flags & ZCOPY_OPEN_FALLBACK))
			ret = fb_open(z);
		else if (!ret && (flags & ZCOPY_OPEN_LEND))
			ret = dev_lend(z);
	}
	if (ret) {
		free(z);
		return ret;
	}
	*zp = z;
	return 0;
}

ZCOPY_EXPORT void zcopy_close(struct zcopy *z)
{
	if (!z)
		return;
	if (z->fallback)
		fb_close(z);
	else
		dev_close(z);	/* the module cancels and unregisters */
	free(z->sq);
	free(z);
}

ZCOPY_EXPORT int zcopy_fd(const struct zcopy *z)
{
	return z->fd;
}

ZCOPY_EXPORT int zcopy_probe(struct zcopy *z, struct zcopy_features *f)
{
	memset(f, 0, sizeof(*f));
	if (z->fallback) {
		/* sendfile can honour neither RELEASE nor DONTCACHE. */
		f->sqe_flags = FB_SQE_FLAGS;
		f->flags = ZCOPY_FEATURES_FALLBACK;
		return 0;
	}
	return dev_probe(z, f);
}

ZCOPY_EXPORT int zcopy_register_socket(struct zcopy *z, int sock_fd)
{
	if (z->fallback)
		return fb_register(z, sock_fd);
	return dev_register(z, sock_fd, ZCOPY_IOC_REGISTER);
}

ZCOPY_EXPORT int zcopy_unregister_socket(struct zcopy *z, int sock_fd)
{
	if (z->fallback)
		return fb_unregister(z, sock_fd);
	return dev_register(z, sock_fd, ZCOPY_IOC_UNREGISTER);
}

/* Room for one more entry: move the unaccepted ones down, or grow. */
static int sq_make_room(struct zcopy *z)
{
	struct zcopy_sqe *sq;
	unsigned int cap;

	if (z->sq_tail < z->sq_cap)
		return 0;
	if (z->sq_head) {
		memmove(z->sq, z->sq + z->sq_head,
			(z->sq_tail - z->sq_head) * sizeof(*z->sq));
		z->sq_tail -= z->sq_head;
		z->sq_head = 0;
		return 0;
	}
	if (z->sq_cap >= UINT32_MAX / 2)
		return -ENOMEM;
	cap = z->sq_cap ? 2 * z->sq_cap : 16;
	sq = realloc(z->sq, cap * sizeof(*sq));
	if (!sq)
		return -ENOMEM;
	z->sq = sq;
	z->sq_cap = cap;
	return 0;
}

ZCOPY_EXPORT int zcopy_prep(struct zcopy *z, int file_fd, int sock_fd,
			    uint64_t offset, uint64_t len, uint32_t flags,
			    uint64_t user_data)
{
	int ret = sq_make_room(z);

	if (ret)
		return ret;
	z->sq[z->sq_tail++] = (struct zcopy_sqe){
		.file_fd = file_fd, .sock_fd = sock_fd, .offset = offset,
		.len = len, .user_data = user_data, .flags = flags,
	};
	return 0;
}

/*
 * Bytes of the caller's memory, sent in order with the file ranges: the
 * module copies them when zcopy_submit() accepts the entry, so @buf may
 * be reused from then on.
 */
ZCOPY_EXPORT int zcopy_prep_buffer(struct zcopy *z, int sock_fd,
				   const void *buf, uint32_t len,
				   uint32_t flags, uint64_t user_data)
{
	int ret = sq_make_room(z);

	if (ret)
		return ret;
	z->sq[z->sq_tail++] = (struct zcopy_sqe){
		.file_fd = -1, .sock_fd = sock_fd,
		.addr = (uint64_t)(uintptr_t)buf, .len = len,
		.user_data = user_data, .flags = flags | ZCOPY_F_BUFFER,
	};
	return 0;
}

ZCOPY_EXPORT unsigned int zcopy_queued(const struct zcopy *z)
{
	return z->sq_tail - z->sq_head;
}

ZCOPY_EXPORT unsigned int zcopy_discard(struct zcopy *z, unsigned int nr)
{
	if (nr > z->sq_tail - z->sq_head)
		nr = z->sq_tail - z->sq_head;
	z->sq_head += nr;
	if (z->sq_head == z->sq_tail)
		z->sq_head = z->sq_tail = 0;
	return nr;
}

ZCOPY_EXPORT int zcopy_submit(struct zcopy *z)
{
	int ret;

	if (z->sq_head == z->sq_tail)
		return 0;
	ret = z->fallback ? fb_submit(z) : dev_submit(z);
	if (ret > 0)
		zcopy_discard(z, ret);
	return ret;
}

ZCOPY_EXPORT int zcopy_peek_batch(struct zcopy *z, struct zcopy_cqe *cqes,
				  unsigned int max)
{
	if (!max)
		return -EINVAL;
	return z->fallback ? fb_peek(z, cqes, max) : dev_peek(z, cqes, max);
}

ZCOPY_EXPORT int zcopy_peek_cqe(struct zcopy *z, struct zcopy_cqe *cqe)
{
	int ret = zcopy_peek_batch(z, cqe, 1);

	return ret < 0 ? ret : 0;
}

static int64_t ns_of(const struct timespec *t)
{
	return (int64_t)t->tv_sec * 1000000000 + t->tv_nsec;
}

/*
 * Peek, and sleep in ppoll() on the context's descriptor while there is
 * nothing: in fallback mode that descriptor also wakes when a socket
 * with a transfer waiting for room becomes writable, and peeking then
 * sends more.
 */
ZCOPY_EXPORT int zcopy_wait_cqe(struct zcopy *z, struct zcopy_cqe *cqe,
				const struct timespec *timeout)
{
	struct pollfd pfd = { .fd = z->fd, .events = POLLIN };
	struct timespec now, left;
	int64_t end = 0, rest;
	int ret;

	if (timeout) {
		if (timeout->tv_sec < 0 || timeout->tv_nsec < 0 ||
		    timeout->tv_nsec >= 1000000000)
			return -EINVAL;
		clock_gettime(CLOCK_MONOTONIC, &now);
		end = ns_of(&now) + ns_of(timeout);
	}
	for (;;) {
		ret = zcopy_peek_cqe(z, cqe);
		if (ret != -EAGAIN)
			return ret;
		if (timeout) {
			clock_gettime(CLOCK_MONOTONIC, &now);
			rest = end - ns_of(&now);
			if (rest <= 0)
				return -ETIME;
			left.tv_sec = rest / 1000000000;
			left.tv_nsec = rest % 1000000000;
		}
		if (ppoll(&pfd, 1, timeout ? &left : NULL, NULL) < 0)
			return -errno;
	}
}

ZCOPY_EXPORT int zcopy_cancel(struct zcopy *z, uint64_t user_data)
{
	return z->fallback ? fb_cancel(z, user_data) : dev_cancel(z, user_data);
}
