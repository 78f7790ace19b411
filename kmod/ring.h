/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A context's shared-memory rings: the submission queue the application
 * fills and the completion queue it reaps (ring.c).
 */
#ifndef ZCOPY_RING_H
#define ZCOPY_RING_H

#include <linux/atomic.h>
#include <linux/mutex.h>
#include <linux/types.h>

#include <linux/zcopy.h>

struct page;
struct vm_area_struct;

struct zcopy_ring {
	struct page **pages;		/* the region, charged to the caller */
	unsigned int nr_pages;
	void *mem;			/* their kernel mapping */

	/*
	 * Words of the region: what the application writes there is read
	 * once per use and never trusted; the kernel keeps its own indices.
	 */
	u32 *sq_head, *sq_tail;
	u32 *cq_head, *cq_tail, *cq_flags, *cq_overflow;
	struct zcopy_sqe *sqes;
	struct zcopy_cqe *cqes;
	u32 sq_entries, cq_entries;
	atomic_t mappings;		/* user mappings: see zcopy_flush() */

	/* One doorbell at a time takes entries from the SQ. */
	struct mutex sq_mtx;
	u32 sq_next;			/* under sq_mtx: the next to take */

	/* Under the context's ev.lock; read() loads it with acquire. */
	u32 cq_next;			/* the next slot to fill */
	u32 overflowed;			/* completions that waited */
	u32 cq_flag_bits;		/* what cq_flags says */
};

int zcopy_ring_params(struct zcopy_rings *p);
int zcopy_ring_create(const struct zcopy_rings *p, struct zcopy_ring **ringp);
void zcopy_ring_free(struct zcopy_ring *ring);
size_t zcopy_ring_bytes(const struct zcopy_ring *ring);
int zcopy_ring_mmap(struct zcopy_ring *ring, struct vm_area_struct *vma);
unsigned int zcopy_ring_mappings(struct zcopy_ring *ring);

int zcopy_ring_sq_ready(struct zcopy_ring *ring);
void zcopy_ring_sq_fetch(struct zcopy_ring *ring, unsigned int i,
			 struct zcopy_sqe *sqe);
void zcopy_ring_sq_consume(struct zcopy_ring *ring, unsigned int n);

bool zcopy_ring_cq_push(struct zcopy_ring *ring, const struct zcopy_cqe *cqe);
void zcopy_ring_cq_overflow(struct zcopy_ring *ring, bool waiting,
			    unsigned int added);
void zcopy_ring_cq_flag(struct zcopy_ring *ring, u32 flag, bool on);
bool zcopy_ring_cq_pending(struct zcopy_ring *ring);
ssize_t zcopy_ring_cq_read(struct zcopy_ring *ring, char __user *buf,
			   size_t max);

#endif /* ZCOPY_RING_H */
