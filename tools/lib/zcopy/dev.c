// SPDX-License-Identifier: LGPL-2.1 OR MIT
/*
 * The module backend: each call is the one ioctl or read() the protocol
 * of <linux/zcopy.h> asks for, so that a program using the library
 * makes no more system calls than one written against the device.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>

#include "internal.h"

/*
 * Non-blocking: zcopy_peek_*() must never sleep, and zcopy_wait_cqe()
 * sleeps in ppoll(), where a timeout can be given.  With the module's
 * rings unless @rings is false (ring.c).
 */
int dev_open(struct zcopy *z, bool rings)
{
	int ret;

	z->fd = open("/dev/" ZCOPY_DEVICE_NAME, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (z->fd < 0)
		return -errno;
	ret = rings ? ring_open(z) : 0;
	if (ret)
		close(z->fd);
	return ret;
}

/*
 * The lent thread: it runs the context's reads that may block until
 * dev_close() takes it back, on a descriptor of its own (the context's
 * may be closed, and its number reused, while it is still in a read).
 * Every signal is blocked in it (a signal meant for the process goes to
 * another thread), so EINTR comes only from the kernel's own
 * notifications: it goes back in.
 */
static void *dev_lent_main(void *arg)
{
	int fd = (int)(intptr_t)arg;

	while (ioctl(fd, ZCOPY_IOC_LEND, 0) < 0 && errno == EINTR)
		;
	close(fd);
	return NULL;
}

/*
 * ZCOPY_OPEN_LEND: lend the context a thread, where the module takes
 * one (ZCOPY_FEAT_LEND).  A module without it runs such reads itself.
 * On failure the device is closed, and its rings unmapped.
 */
int dev_lend(struct zcopy *z)
{
	struct zcopy_features f = { 0 };
	sigset_t all, old;
	int ret, fd;

	ret = dev_probe(z, &f);
	if (ret)
		goto fail;
	if (!(f.features & ZCOPY_FEAT_LEND))
		return 0;
	fd = fcntl(z->fd, F_DUPFD_CLOEXEC, 0);
	if (fd < 0) {
		ret = -errno;
		goto fail;
	}
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	ret = -pthread_create(&z->lent, NULL, dev_lent_main,
			      (void *)(intptr_t)fd);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (ret) {
		close(fd);
		goto fail;
	}
	z->lender = getpid();
	return 0;
fail:
	ring_close(z);
	close(z->fd);
	return ret;
}

/*
 * Take the thread back before the close(): it holds the file open while
 * it is lent.  Not waiting for it: it may be in a read that does not
 * end (a FUSE server that never answers), and it closes its own
 * descriptor when it comes back, which releases the context.  Only in
 * the process that lent it: after a fork(), the child's copy of the
 * context must not take back the parent's thread.
 */
void dev_close(struct zcopy *z)
{
	if (z->lender == getpid()) {
		ioctl(z->fd, ZCOPY_IOC_LEND, ZCOPY_LEND_STOP);
		pthread_detach(z->lent);
	}
	ring_close(z);
	close(z->fd);
}

int dev_probe(struct zcopy *z, struct zcopy_features *f)
{
	struct zcopy_probe p;

	if (ioctl(z->fd, ZCOPY_IOC_PROBE, &p))
		return -errno;
	f->sqe_flags = p.sqe_flags;
	f->features = p.features;
	if (z->ring.mem)
		f->flags |= ZCOPY_FEATURES_RINGS;
	return 0;
}

int dev_register(struct zcopy *z, int sock_fd, unsigned long cmd)
{
	struct zcopy_reg reg = { .sock_fd = sock_fd };

	return ioctl(z->fd, cmd, &reg) ? -errno : 0;
}

/* @nr entries in one SUBMIT; it says how many it took, in order. */
int dev_submit_array(struct zcopy *z, const struct zcopy_sqe *sq,
		     unsigned int nr)
{
	struct zcopy_submit s = { .sqes = (uintptr_t)sq, .nr = nr };
	int ret = ioctl(z->fd, ZCOPY_IOC_SUBMIT, &s);

	return ret < 0 ? -errno : ret;
}

int dev_submit(struct zcopy *z)
{
	if (z->ring.mem)
		return ring_submit(z);
	return dev_submit_array(z, z->sq + z->sq_head, z->sq_tail - z->sq_head);
}

/*
 * From the CQ, with rings.  Without: completions left over from an
 * earlier read() first; otherwise one read(), straight into the
 * caller's array when it is at least as large as ours, else into ours.
 */
int dev_peek(struct zcopy *z, struct zcopy_cqe *cqes, unsigned int max)
{
	unsigned int n = z->cq_tail - z->cq_head;
	ssize_t got;

	if (z->ring.mem)
		return ring_peek(z, cqes, max);
	if (!n && max >= ZCOPY_CQE_BUF) {
		got = read(z->fd, cqes, max * sizeof(*cqes));
		return got < 0 ? -errno : (int)(got / sizeof(*cqes));
	}
	if (!n) {
		got = read(z->fd, z->cq, sizeof(z->cq));
		if (got < 0)
			return -errno;
		z->cq_head = 0;
		z->cq_tail = n = got / sizeof(*cqes);
	}
	if (n > max)
		n = max;
	memcpy(cqes, z->cq + z->cq_head, n * sizeof(*cqes));
	z->cq_head += n;
	return n;
}

int dev_cancel(struct zcopy *z, uint64_t user_data)
{
	struct zcopy_cancel c = { .user_data = user_data };
	int ret = ioctl(z->fd, ZCOPY_IOC_CANCEL, &c);

	return ret < 0 ? -errno : ret;
}
