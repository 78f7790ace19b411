// SPDX-License-Identifier: GPL-2.0
/*
 * Shared-memory rings: a context's submission queue (SQ), which the
 * application fills and SUBMIT with ZCOPY_SUBMIT_F_RING drains, and its
 * completion queue (CQ), which the context fills and the application
 * reaps with no system call.  "Rings" in Documentation/zcopy.rst gives
 * the protocol; the layout is in <linux/zcopy.h>.
 *
 * The region is pages of the caller's, charged to its memory cgroup and
 * to its locked memory, mapped once in the kernel (vmap) and into user
 * space by mmap().  A mapping holds the context's file, so the region
 * is freed with the context only once the last mapping is gone.
 *
 * The application can write anything anywhere in the region at any
 * time.  So the kernel keeps its own indices (sq_next, cq_next) and its
 * own sizes, reads the application's indices once per use and checks
 * them against its own, and copies an entry out of the SQ once before
 * looking at it.  A bad index makes the doorbell fail with EINVAL, or
 * makes the CQ look full: the completions then wait on the context's
 * ready list, which the transfers themselves bound (max_inflight).
 *
 * Locking (LOCKING in ctx.c): sq_mtx serializes doorbells, above
 * ev.mtx; the CQ is filled under ev.lock only.
 */

#include <linux/mm.h>
#include <linux/skbuff.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>

#include "compat.h"
#include "ring.h"

/*
 * Where things are in the region: each index on a cache line of its
 * own, as the two sides write them; then the entries.
 */
#define ZCOPY_RING_SQ_HEAD	0
#define ZCOPY_RING_SQ_TAIL	64
#define ZCOPY_RING_CQ_HEAD	128
#define ZCOPY_RING_CQ_TAIL	192
#define ZCOPY_RING_CQ_FLAGS	196
#define ZCOPY_RING_CQ_OVERFLOW	200
#define ZCOPY_RING_SQ_MASK	256
#define ZCOPY_RING_SQ_ENTRIES	260
#define ZCOPY_RING_CQ_MASK	264
#define ZCOPY_RING_CQ_ENTRIES	268
#define ZCOPY_RING_SQES		512

struct zcopy_ring_priv {
	struct zcopy_ring ring;
	struct mmpin mmp;		/* the locked memory charged */
};

static void zcopy_ring_layout(struct zcopy_rings *p)
{
	u32 sqes = ZCOPY_RING_SQES;
	u32 cqes = ALIGN(sqes + p->sq_entries * sizeof(struct zcopy_sqe), 64);

	p->sq = (struct zcopy_ring_offsets){
		.head = ZCOPY_RING_SQ_HEAD, .tail = ZCOPY_RING_SQ_TAIL,
		.mask = ZCOPY_RING_SQ_MASK, .entries = ZCOPY_RING_SQ_ENTRIES,
		.array = sqes,
	};
	p->cq = (struct zcopy_ring_offsets){
		.head = ZCOPY_RING_CQ_HEAD, .tail = ZCOPY_RING_CQ_TAIL,
		.mask = ZCOPY_RING_CQ_MASK, .entries = ZCOPY_RING_CQ_ENTRIES,
		.flags = ZCOPY_RING_CQ_FLAGS,
		.overflow = ZCOPY_RING_CQ_OVERFLOW, .array = cqes,
	};
	p->size = PAGE_ALIGN(cqes + p->cq_entries * sizeof(struct zcopy_cqe));
}

/*
 * Check what ZCOPY_IOC_SETUP_RINGS asks for, and fill in what it gets:
 * the sizes rounded up, and where things are.  EINVAL if out of range.
 */
int zcopy_ring_params(struct zcopy_rings *p)
{
	if (p->flags || p->reserved[0] || p->reserved[1] ||
	    !p->sq_entries || p->sq_entries > ZCOPY_RING_MAX_SQ ||
	    p->cq_entries > ZCOPY_RING_MAX_CQ ||
	    (p->cq_entries && p->cq_entries < p->sq_entries))
		return -EINVAL;
	p->sq_entries = roundup_pow_of_two(p->sq_entries);
	if (!p->cq_entries)
		p->cq_entries = min(2 * p->sq_entries, ZCOPY_RING_MAX_CQ);
	p->cq_entries = roundup_pow_of_two(p->cq_entries);
	zcopy_ring_layout(p);
	return 0;
}

static void zcopy_ring_put_pages(struct zcopy_ring *ring)
{
	unsigned int i;

	for (i = 0; i < ring->nr_pages; i++)
		if (ring->pages[i])
			__free_page(ring->pages[i]);
	kvfree(ring->pages);
}

static int zcopy_ring_alloc(struct zcopy_ring *ring, size_t size)
{
	unsigned int i;

	ring->nr_pages = size >> PAGE_SHIFT;
	ring->pages = kvcalloc(ring->nr_pages, sizeof(*ring->pages),
			       GFP_KERNEL_ACCOUNT);
	if (!ring->pages)
		return -ENOMEM;
	for (i = 0; i < ring->nr_pages; i++) {
		ring->pages[i] = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);
		if (!ring->pages[i])
			goto err;
	}
	ring->mem = vmap(ring->pages, ring->nr_pages, VM_MAP, PAGE_KERNEL);
	if (ring->mem)
		return 0;
err:
	zcopy_ring_put_pages(ring);
	return -ENOMEM;
}

static u32 *zcopy_ring_word(struct zcopy_ring *ring, u32 offset)
{
	return ring->mem + offset;
}

/* The region that @p, filled in by zcopy_ring_params(), describes. */
int zcopy_ring_create(const struct zcopy_rings *p, struct zcopy_ring **ringp)
{
	struct zcopy_ring_priv *priv;
	struct zcopy_ring *ring;
	int ret;

	priv = kzalloc(sizeof(*priv), GFP_KERNEL_ACCOUNT);
	if (!priv)
		return -ENOMEM;
	ring = &priv->ring;
	ret = mm_account_pinned_pages(&priv->mmp, p->size);
	if (ret)
		goto err_free;
	ret = zcopy_ring_alloc(ring, p->size);
	if (ret)
		goto err_unaccount;
	mutex_init(&ring->sq_mtx);
	ring->sq_entries = p->sq_entries;
	ring->cq_entries = p->cq_entries;
	ring->sq_head = zcopy_ring_word(ring, p->sq.head);
	ring->sq_tail = zcopy_ring_word(ring, p->sq.tail);
	ring->cq_head = zcopy_ring_word(ring, p->cq.head);
	ring->cq_tail = zcopy_ring_word(ring, p->cq.tail);
	ring->cq_flags = zcopy_ring_word(ring, p->cq.flags);
	ring->cq_overflow = zcopy_ring_word(ring, p->cq.overflow);
	ring->sqes = ring->mem + p->sq.array;
	ring->cqes = ring->mem + p->cq.array;
	*zcopy_ring_word(ring, p->sq.mask) = ring->sq_entries - 1;
	*zcopy_ring_word(ring, p->sq.entries) = ring->sq_entries;
	*zcopy_ring_word(ring, p->cq.mask) = ring->cq_entries - 1;
	*zcopy_ring_word(ring, p->cq.entries) = ring->cq_entries;
	*ringp = ring;
	return 0;

err_unaccount:
	mm_unaccount_pinned_pages(&priv->mmp);
err_free:
	kfree(priv);
	return ret;
}

/* With the context: no doorbell or completion can come any more. */
void zcopy_ring_free(struct zcopy_ring *ring)
{
	struct zcopy_ring_priv *priv;

	if (!ring)
		return;
	WARN_ON_ONCE(atomic_read(&ring->mappings));
	priv = container_of(ring, struct zcopy_ring_priv, ring);
	vunmap(ring->mem);
	zcopy_ring_put_pages(ring);
	mutex_destroy(&ring->sq_mtx);
	mm_unaccount_pinned_pages(&priv->mmp);
	kfree(priv);
}

size_t zcopy_ring_bytes(const struct zcopy_ring *ring)
{
	return (size_t)ring->nr_pages << PAGE_SHIFT;
}

/*
 * Each mapping holds the context's file, as a descriptor does; the
 * device's flush counts them to tell the close() of the last descriptor
 * (dev.c).  A fork() or a split opens another.
 */
static void zcopy_ring_vm_open(struct vm_area_struct *vma)
{
	struct zcopy_ring *ring = vma->vm_private_data;

	atomic_inc(&ring->mappings);
}

static void zcopy_ring_vm_close(struct vm_area_struct *vma)
{
	struct zcopy_ring *ring = vma->vm_private_data;

	atomic_dec(&ring->mappings);
}

static const struct vm_operations_struct zcopy_ring_vm_ops = {
	.open	= zcopy_ring_vm_open,
	.close	= zcopy_ring_vm_close,
};

/*
 * mmap() of the context's descriptor: the whole region or a part of it
 * from its start, shared (a private copy would never see the kernel's
 * writes; read-only is the caller's choice), and never grown by
 * mremap().
 */
int zcopy_ring_mmap(struct zcopy_ring *ring, struct vm_area_struct *vma)
{
	unsigned long nr = vma_pages(vma);
	int ret;

	if (vma->vm_pgoff || nr > ring->nr_pages)
		return -EINVAL;
	if (!(vma->vm_flags & VM_MAYSHARE))
		return -EINVAL;
	zcopy_vm_flags_set(vma, VM_DONTEXPAND | VM_DONTDUMP);
	ret = vm_insert_pages(vma, vma->vm_start, ring->pages, &nr);
	if (ret)
		return ret;
	vma->vm_private_data = ring;
	vma->vm_ops = &zcopy_ring_vm_ops;
	zcopy_ring_vm_open(vma);
	return 0;
}

unsigned int zcopy_ring_mappings(struct zcopy_ring *ring)
{
	return atomic_read(&ring->mappings);
}

/*
 * Entries the application has published past the next to take, under
 * sq_mtx; EINVAL if its tail is not within a ring's length of it.
 */
int zcopy_ring_sq_ready(struct zcopy_ring *ring)
{
	/* Acquire: the entries are written before the tail says so. */
	u32 n = smp_load_acquire(ring->sq_tail) - ring->sq_next;

	lockdep_assert_held(&ring->sq_mtx);
	return n > ring->sq_entries ? -EINVAL : n;
}

/* Copy the @i-th entry from the next to take: it is looked at only here. */
void zcopy_ring_sq_fetch(struct zcopy_ring *ring, unsigned int i,
			 struct zcopy_sqe *sqe)
{
	u32 slot = (ring->sq_next + i) & (ring->sq_entries - 1);

	lockdep_assert_held(&ring->sq_mtx);
	memcpy(sqe, &ring->sqes[slot], sizeof(*sqe));
}

/* The @n entries from the next were accepted: their slots are free. */
void zcopy_ring_sq_consume(struct zcopy_ring *ring, unsigned int n)
{
	lockdep_assert_held(&ring->sq_mtx);
	ring->sq_next += n;
	/* Release: the entries were copied before their slots are reused. */
	smp_store_release(ring->sq_head, ring->sq_next);
}

/*
 * Put a completion in the CQ, under ev.lock; false if there is no room
 * (or the application's head is out of range, which looks the same).
 */
bool zcopy_ring_cq_push(struct zcopy_ring *ring, const struct zcopy_cqe *cqe)
{
	/* Acquire: the application has finished reading the slots freed. */
	u32 head = smp_load_acquire(ring->cq_head);
	u32 next = ring->cq_next;

	if (next - head >= ring->cq_entries)
		return false;
	ring->cqes[next & (ring->cq_entries - 1)] = *cqe;
	/* Release: the record is written before either index says so. */
	smp_store_release(&ring->cq_next, next + 1);
	/* Release, for the application's acquire of the tail. */
	smp_store_release(ring->cq_tail, next + 1);
	return true;
}

/*
 * Tell the application whether completions wait for room, under
 * ev.lock; @added of them have just started waiting.
 */
void zcopy_ring_cq_overflow(struct zcopy_ring *ring, bool waiting,
			    unsigned int added)
{
	ring->overflowed += added;
	WRITE_ONCE(*ring->cq_overflow, ring->overflowed);
	zcopy_ring_cq_flag(ring, ZCOPY_CQ_F_OVERFLOW, waiting);
}

/*
 * Set or clear one of the CQ's flags, under ev.lock.  The kernel keeps
 * the word it wrote: whatever the application stores there is not read.
 */
void zcopy_ring_cq_flag(struct zcopy_ring *ring, u32 flag, bool on)
{
	if (on)
		ring->cq_flag_bits |= flag;
	else
		ring->cq_flag_bits &= ~flag;
	WRITE_ONCE(*ring->cq_flags, ring->cq_flag_bits);
}

/* Whether the CQ holds records the application has not reaped. */
bool zcopy_ring_cq_pending(struct zcopy_ring *ring)
{
	/* Acquire: pairs with the release in zcopy_ring_cq_push(). */
	return smp_load_acquire(&ring->cq_next) != READ_ONCE(*ring->cq_head);
}

/*
 * read() on a context with rings: reap up to @max records from the CQ
 * into @buf, as the application would, and move its head past them.
 * Lock-free against posting (the slots from head to cq_next stay put
 * until head moves) and against other readers: the head moves only if
 * no one moved it meanwhile (cmpxchg), else nothing was read and the
 * caller tries again.  Returns the records read, 0, -EFAULT, or -EINVAL
 * if the application's head is out of range.
 */
ssize_t zcopy_ring_cq_read(struct zcopy_ring *ring, char __user *buf,
			   size_t max)
{
	const size_t size = sizeof(struct zcopy_cqe);
	u32 head = READ_ONCE(*ring->cq_head);
	/* Acquire: the records up to cq_next are written. */
	u32 avail = smp_load_acquire(&ring->cq_next) - head;
	u32 slot = head & (ring->cq_entries - 1);
	u32 n, first, done;
	unsigned long left;

	if (avail > ring->cq_entries)
		return -EINVAL;
	n = min_t(size_t, avail, max);
	if (!n)
		return 0;
	first = min(n, ring->cq_entries - slot);
	left = copy_to_user(buf, &ring->cqes[slot], first * size);
	if (left)
		left += (n - first) * size;
	else if (n > first)
		left = copy_to_user(buf + first * size, ring->cqes,
				    (n - first) * size);
	done = (n * size - left) / size;
	if (!done)
		return -EFAULT;
	/* A full barrier: the records were read before the slots go. */
	if (cmpxchg(ring->cq_head, head, head + done) != head)
		return 0;
	return done;
}
