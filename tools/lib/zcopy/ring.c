// SPDX-License-Identifier: LGPL-2.1 OR MIT
/*
 * The module backend's shared-memory rings (ZCOPY_FEAT_RINGS): entries
 * go to the context through its SQ and one doorbell, and completions
 * are reaped from its CQ with no system call at all.  The protocol and
 * its memory ordering are in <linux/zcopy.h> and "Rings" in
 * Documentation/zcopy.rst.
 *
 * Entries are still prepared in the context's own array (core.c), so
 * that zcopy_queued() and zcopy_discard() keep their meaning: a submit
 * copies them into the SQ, rings, and takes back what the doorbell
 * refused (the module reads the SQ only during a doorbell, and a
 * context is one thread's at a time).
 */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "internal.h"

/* Entries of the SQ and CQ that libzcopy asks for. */
#define RING_SQ_ENTRIES	256
#define RING_CQ_ENTRIES	4096

static void *at(const struct zcopy_ring_map *r, uint32_t offset)
{
	return (char *)r->mem + offset;
}

/*
 * Set up and map the rings.  Returns 0 with none when the module has
 * none (ZCOPY_FEAT_RINGS) or cannot charge the memory: the context then
 * works through SUBMIT's array and read(), as before.
 */
int ring_open(struct zcopy *z)
{
	struct zcopy_ring_map *r = &z->ring;
	struct zcopy_rings p = {
		.sq_entries = RING_SQ_ENTRIES,
		.cq_entries = RING_CQ_ENTRIES,
	};
	void *mem;

	if (ioctl(z->fd, ZCOPY_IOC_SETUP_RINGS, &p)) {
		if (errno == ENOTTY || errno == EINVAL || errno == ENOMEM ||
		    errno == ENOBUFS || errno == EPERM)
			return 0;
		return -errno;
	}
	mem = mmap(NULL, p.size, PROT_READ | PROT_WRITE, MAP_SHARED, z->fd, 0);
	if (mem == MAP_FAILED)
		return -errno;
	r->mem = mem;
	r->size = p.size;
	r->sq_head = at(r, p.sq.head);
	r->sq_tail = at(r, p.sq.tail);
	r->sq_mask = p.sq_entries - 1;
	r->sqes = at(r, p.sq.array);
	r->cq_head = at(r, p.cq.head);
	r->cq_tail = at(r, p.cq.tail);
	r->cq_flags = at(r, p.cq.flags);
	r->cq_mask = p.cq_entries - 1;
	r->cqes = at(r, p.cq.array);
	return 0;
}

void ring_close(struct zcopy *z)
{
	if (z->ring.mem)
		munmap(z->ring.mem, z->ring.size);
	z->ring.mem = NULL;
}

/*
 * How many of the @nr prepared entries from @sq go in one doorbell: all
 * that fit in the SQ, cut after a response's last entry.  0 if the
 * first response alone is longer than the SQ.
 */
static unsigned int ring_batch(const struct zcopy *z,
			       const struct zcopy_sqe *sq, unsigned int nr)
{
	unsigned int room = z->ring.sq_mask + 1, i;

	if (nr <= room)
		return nr;
	for (i = room; i > 0; i--)
		if (!(sq[i - 1].flags & ZCOPY_F_LINK))
			return i;
	return 0;
}

/* One doorbell for @n entries; returns how many it took, or -errno. */
static int ring_doorbell(struct zcopy *z, const struct zcopy_sqe *sq,
			 unsigned int n)
{
	struct zcopy_ring_map *r = &z->ring;
	struct zcopy_submit s = { .nr = n, .flags = ZCOPY_SUBMIT_F_RING };
	uint32_t head = __atomic_load_n(r->sq_head, __ATOMIC_ACQUIRE);
	unsigned int i;
	int ret;

	for (i = 0; i < n; i++)
		r->sqes[(head + i) & r->sq_mask] = sq[i];
	/* Release: the entries are written before the tail says so. */
	__atomic_store_n(r->sq_tail, head + n, __ATOMIC_RELEASE);
	ret = ioctl(z->fd, ZCOPY_IOC_SUBMIT, &s);
	ret = ret < 0 ? -errno : ret;
	/* Take back what was refused: the array keeps it (core.c). */
	__atomic_store_n(r->sq_tail,
			 __atomic_load_n(r->sq_head, __ATOMIC_ACQUIRE),
			 __ATOMIC_RELAXED);
	return ret;
}

/*
 * The prepared entries, through the SQ, a doorbell per SQ's worth; a
 * response longer than the SQ goes as an array.  Stops at the first
 * doorbell that takes less than it was given.
 */
int ring_submit(struct zcopy *z)
{
	const struct zcopy_sqe *sq = z->sq + z->sq_head;
	unsigned int left = z->sq_tail - z->sq_head, n, given;
	int done = 0, ret;

	while (left) {
		n = ring_batch(z, sq + done, left);
		given = n ? n : left;
		if (n)
			ret = ring_doorbell(z, sq + done, n);
		else
			ret = dev_submit_array(z, sq + done, left);
		if (ret <= 0)
			return done ? done : ret;
		done += ret;
		left -= ret;
		if ((unsigned int)ret < given)
			break;
	}
	return done;
}

/* Reap up to @max records from the CQ: tail, records, then head. */
static unsigned int ring_reap(struct zcopy_ring_map *r,
			      struct zcopy_cqe *cqes, unsigned int max)
{
	uint32_t head = *r->cq_head;
	/* Acquire: the records are written before the tail says so. */
	uint32_t tail = __atomic_load_n(r->cq_tail, __ATOMIC_ACQUIRE);
	unsigned int n = 0;

	while (head != tail && n < max)
		cqes[n++] = r->cqes[head++ & r->cq_mask];
	/* Release: the records are read before their slots are reused. */
	if (n)
		__atomic_store_n(r->cq_head, head, __ATOMIC_RELEASE);
	return n;
}

/*
 * Completions from the CQ, without a system call while it has some and
 * the kernel asks for none.  One doorbell of nothing goes on with sends
 * that a SUBMIT's inline budget left (ZCOPY_CQ_F_DEFERRED) and, once
 * the CQ is empty, moves in completions that waited for room in it.
 */
int ring_peek(struct zcopy *z, struct zcopy_cqe *cqes, unsigned int max)
{
	struct zcopy_ring_map *r = &z->ring;
	struct zcopy_submit s = { .flags = ZCOPY_SUBMIT_F_RING };
	unsigned int n = ring_reap(r, cqes, max);
	uint32_t flags = __atomic_load_n(r->cq_flags, __ATOMIC_ACQUIRE);

	if (!(flags & ZCOPY_CQ_F_DEFERRED) &&
	    (n || !(flags & ZCOPY_CQ_F_OVERFLOW)))
		return n ? (int)n : -EAGAIN;
	if (ioctl(z->fd, ZCOPY_IOC_SUBMIT, &s) < 0)
		return n ? (int)n : -errno;
	n += ring_reap(r, cqes + n, max - n);
	return n ? (int)n : -EAGAIN;
}
