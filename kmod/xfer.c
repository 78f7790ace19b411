// SPDX-License-Identifier: GPL-2.0
/*
 * Transfers: the object a submission entry becomes, from its checks at
 * SUBMIT to its completion: a file range, or bytes of the caller's
 * memory copied at SUBMIT (ZCOPY_F_BUFFER: a response's header).  What
 * moves its bytes is send.c; what learns that the stack let go of its
 * pages is notif.c.
 *
 * TCP charges spliced frags to the socket's send buffer, but not pure
 * zero-copy ones, so the pages a ubuf_info transfer can make the stack
 * hold are charged instead to the submitting user's locked memory
 * (RLIMIT_MEMLOCK, the user's locked_vm), as MSG_ZEROCOPY and io_uring
 * charge theirs: the whole range, from submission until the stack has
 * released its last page.  (Every transfer's bytes also count against
 * its context's max_pinned until its completion has been read.)
 */

#include <linux/file.h>
#include <linux/fs.h>
#include <linux/fsnotify.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "claim.h"
#include "compat.h"
#include "ctx.h"
#include "ktls.h"
#include "netlink.h"
#include "notif.h"
#include "sock.h"
#include "stats.h"
#include "xfer.h"

struct workqueue_struct *zcopy_wq;
/*
 * Transfers come and go by the thousand a second: a cache of their own,
 * and one for those with a small buffer's bytes inside.
 */
static struct kmem_cache *zcopy_xfer_cache;
static struct kmem_cache *zcopy_xfer_inline_cache;

static struct kmem_cache *zcopy_xfer_cache_of(const struct zcopy_xfer *x)
{
	return x->buf_inline ? zcopy_xfer_inline_cache : zcopy_xfer_cache;
}

void zcopy_xfer_put(struct zcopy_xfer *x)
{
	struct zcopy_ctx *ctx = x->ctx;

	if (!refcount_dec_and_test(&x->ref))
		return;
	spin_lock(&ctx->xfers_lock);
	list_del(&x->ctx_link);
	spin_unlock(&ctx->xfers_lock);
	zcopy_dontcache_forget_gaps(&x->gaps);
	zcopy_owner_put(&x->owner);
	if (x->file)
		fput(x->file);
	if (atomic_read(&x->charge_holds))
		zcopy_ctx_uncharge(ctx, x->range.end - x->range.start);
	kmem_cache_free(zcopy_xfer_cache_of(x), x);
	zcopy_stat_add(ctx->stats, ZCOPY_A_STATS_TRANSFERS, -1);
	zcopy_ctx_put(ctx);	/* may be the module's last reference */
}

/*
 * A transfer keeps its place in its context's limits (max_inflight,
 * max_pinned) until its completion has been read and the release work
 * no longer needs it.  Each of the two lets go here, the release work
 * early when others keep a ZCOPY_F_DONTCACHE drop going (notif.c); the
 * later one gives the place back, or the free does if the work never
 * let go.  Any context.
 */
void zcopy_xfer_unhold(struct zcopy_xfer *x)
{
	if (atomic_dec_and_test(&x->charge_holds))
		zcopy_ctx_uncharge(x->ctx, x->range.end - x->range.start);
}

/* The reader has consumed the completion record (or the context closed). */
static void zcopy_xfer_event_release(struct zcopy_event *e)
{
	struct zcopy_xfer *x = container_of(e, struct zcopy_xfer, event);

	zcopy_xfer_unhold(x);
	zcopy_xfer_put(x);
}

/*
 * Member @x of a group ended, handing nothing more, because of @err: the
 * group's error is the first a member ended with in the stream (the
 * passes end them in order), -ECANCELED only if none had another (the
 * rest of a failed response is cancelled, concurrently perhaps).
 */
static void zcopy_group_ended(struct zcopy_xfer *x, s32 err)
{
	atomic_t *group_err = &x->group->group_error;

	if (err && atomic_cmpxchg(group_err, 0, err) == -ECANCELED &&
	    err != -ECANCELED)
		atomic_cmpxchg(group_err, -ECANCELED, err);
}

/* Count member @x's completion into its group's leader @lead. */
static void zcopy_group_add(struct zcopy_xfer *lead, struct zcopy_xfer *x)
{
	atomic64_add(x->pos - x->range.start, &lead->group_bytes);
	if (x->event.cqe.flags & ZCOPY_CQE_F_COPIED)
		set_bit(ZCOPY_XFER_GROUP_COPIED, &lead->state);
}

/*
 * The group's record, on its leader's event, as one transfer's would be.
 * One a CANCEL counted completes cancelled, as a counted transfer does.
 */
static void zcopy_group_record(struct zcopy_xfer *lead)
{
	u64 sent = atomic64_read(&lead->group_bytes);
	s32 err = atomic_read(&lead->group_error);

	if (test_bit(ZCOPY_XFER_GROUP_COUNTED, &lead->state))
		err = -ECANCELED;

	lead->event.cqe.res = sent || !err || err == -ENODATA ? (s64)sent : err;
	lead->event.cqe.error = err;
	if (test_bit(ZCOPY_XFER_GROUP_COPIED, &lead->state))
		lead->event.cqe.flags |= ZCOPY_CQE_F_COPIED;
}

/*
 * Set up the transfers on @xfers, the @n entries of one ZCOPY_F_GROUP
 * response, not yet queued, to complete as one: the last is the leader.
 */
void zcopy_xfer_group(struct list_head *xfers, unsigned int n)
{
	struct zcopy_xfer *lead, *x;

	lead = list_last_entry(xfers, struct zcopy_xfer, link);
	atomic_set(&lead->group_left, n);
	list_for_each_entry(x, xfers, link)
		x->group = lead;
}

void zcopy_xfer_post(struct zcopy_xfer *x)
{
	struct zcopy_xfer *lead = x->group;
	s32 err = x->event.cqe.error;

	/*
	 * Only a release completion can say for certain; reporting a copy
	 * seen by chance before hand-off would make the flag meaningless.
	 */
	if ((x->flags & ZCOPY_F_RELEASE) &&
	    (test_bit(ZCOPY_XFER_COPIED, &x->state) || x->copied_at_send))
		x->event.cqe.flags |= ZCOPY_CQE_F_COPIED;
	if (err == -ECANCELED) {
		zcopy_stat_add(x->ctx->stats, ZCOPY_A_STATS_CANCELLED, 1);
		atomic64_inc(&x->ctx->failed);
	} else if (err && err != -ENODATA) {
		zcopy_stat_add(x->ctx->stats, ZCOPY_A_STATS_FAILED, 1);
		atomic64_inc(&x->ctx->failed);
		zcopy_nl_transfer_failed(x, err);
	} else {
		/* Sent in full, or to where its file now ends. */
		zcopy_stat_add(x->ctx->stats, ZCOPY_A_STATS_COMPLETED, 1);
		atomic64_inc(&x->ctx->completed);
	}
	if (lead) {
		zcopy_group_add(lead, x);
		/*
		 * A member's record is never read: let go of what it holds
		 * for one.  The leader lives until its own is posted, below,
		 * after every member's add.
		 */
		if (x != lead)
			x->event.release(&x->event);
		if (!atomic_dec_and_test(&lead->group_left))
			return;
		zcopy_group_record(lead);
		x = lead;
	}
	zcopy_events_post(&x->ctx->ev, &x->event);
}

/*
 * Charge @bytes to the caller's locked memory (see the top of this file).
 * struct mmpin counts pages in an unsigned int and takes a size_t: a
 * range too large for either could not be given back in full, and is
 * refused as one that does not fit.
 */
static int zcopy_account_pinned(struct mmpin *mmp, u64 bytes)
{
	if (bytes > SIZE_MAX || (bytes >> PAGE_SHIFT) >= UINT_MAX - 2)
		return -ENOBUFS;
	return mm_account_pinned_pages(mmp, bytes);
}

/* What sendfile() demands of its input file. */
static int zcopy_check_file(struct file *file)
{
	if (!(file->f_mode & FMODE_READ))
		return -EBADF;
	if (!(file->f_mode & FMODE_PREAD))
		return -ESPIPE;
	if (!file->f_op->splice_read || !(file->f_mode & FMODE_LSEEK))
		return -EINVAL;
	return 0;
}

/* What an entry says of itself, whatever the context holds. */
int zcopy_sqe_check(const struct zcopy_sqe *sqe)
{
	if (sqe->flags & ~ZCOPY_F_ALL || sqe->reserved0 ||
	    sqe->reserved[0] || sqe->reserved[1])
		return -EINVAL;
	if (sqe->flags & ~ZCOPY_F_SUPPORTED)
		return -EOPNOTSUPP;
	if (!(sqe->flags & ZCOPY_F_BUFFER))
		return 0;
	/* Flags about a file's pages, for bytes that are no file's. */
	if (sqe->file_fd != -1 || !sqe->len ||
	    sqe->flags & (ZCOPY_F_RELEASE | ZCOPY_F_DONTCACHE))
		return -EINVAL;
	return sqe->len > ZCOPY_BUFFER_MAX ? -EMSGSIZE : 0;
}

/*
 * A checked ZCOPY_F_BUFFER entry's bytes, copied now, as write() would
 * copy them, into @buf: on the stack if zcopy_xfer_create() will copy
 * them into the transfer, else into memory of their own that it takes
 * over.  Either way they end up in memory charged to the caller's
 * memory cgroup (both caches are accounted) and, by zcopy_xfer_create(),
 * to the context's max_pinned and the user's buffered bytes.  Nothing
 * for any other entry.  Before the context's lock: a fault here may
 * take as long as the caller's memory likes (LOCKING in ctx.c).
 */
int zcopy_buffer_copy(const struct zcopy_sqe *sqe, struct zcopy_buffer *buf)
{
	void __user *from = u64_to_user_ptr(sqe->addr);

	buf->heap = NULL;
	if (!(sqe->flags & ZCOPY_F_BUFFER))
		return 0;
	if (zcopy_buffer_is_inline(sqe))
		return copy_from_user(buf->small, from, sqe->len) ? -EFAULT : 0;
	buf->heap = kvmalloc(sqe->len, GFP_KERNEL_ACCOUNT);
	if (!buf->heap)
		return -ENOMEM;
	if (copy_from_user(buf->heap, from, sqe->len)) {
		zcopy_buffer_free(buf);
		return -EFAULT;
	}
	return 0;
}

/* What no transfer took of @buf. */
void zcopy_buffer_free(struct zcopy_buffer *buf)
{
	kvfree(buf->heap);
	buf->heap = NULL;
}

/*
 * The file of a file entry, and its range; the permission checks that
 * sendfile() makes, with the caller's credentials, for either kind.
 */
static int zcopy_xfer_source(const struct zcopy_sqe *sqe, bool buffer,
			     struct file *sock_file, struct file **filep,
			     struct zcopy_range *range, loff_t *isize)
{
	struct file *file;
	loff_t pos;
	size_t count;
	int ret;

	*filep = NULL;
	if (buffer) {
		*range = (struct zcopy_range){ .end = sqe->len };
		return rw_verify_area(WRITE, sock_file, NULL, sqe->len);
	}
	file = fget(sqe->file_fd);
	if (!file)
		return -EBADF;
	ret = zcopy_check_file(file);
	if (ret)
		goto out_fput;
	/* The mapping's host: a block device's size is not on its node. */
	*isize = i_size_read(file->f_mapping->host);
	ret = zcopy_range_resolve(sqe->offset, sqe->len, *isize, range);
	if (ret)
		goto out_fput;
	pos = range->start;
	count = min_t(u64, range->end - range->start, MAX_RW_COUNT);
	ret = rw_verify_area(READ, file, &pos, count);
	if (!ret)
		ret = rw_verify_area(WRITE, sock_file, NULL, count);
	if (ret)
		goto out_fput;
	*filep = file;
	return 0;

out_fput:
	fput(file);
	return ret;
}

/* A buffer's bytes are handed over, or never will be: let them go. */
static void zcopy_xfer_free_buffer(struct zcopy_xfer *x)
{
	if (!x->buf)
		return;
	zcopy_user_uncharge_buffer(x->buf_user, x->range.end);
	if (!x->buf_inline)
		kvfree(x->buf);
	x->buf = NULL;
}

/*
 * Make the transfer of a checked entry (zcopy_sqe_check()) to the
 * registration @zs if the context's limits allow, not counting the
 * @held bytes of the response it continues (ctx.c).  @buf holds a
 * ZCOPY_F_BUFFER entry's bytes (zcopy_buffer_copy()): a transfer made
 * copies them into itself if they are few, or takes @buf's memory.
 */
int zcopy_xfer_create(struct zcopy_ctx *ctx, const struct zcopy_sqe *sqe,
		      struct zcopy_buffer *buf, struct zcopy_sock *zs, u64 held,
		      struct zcopy_xfer **xp)
{
	bool buffer = sqe->flags & ZCOPY_F_BUFFER;
	bool inline_buf = zcopy_buffer_is_inline(sqe);
	struct kmem_cache *cache;
	struct zcopy_range range;
	struct zcopy_xfer *x;
	struct file *file;
	loff_t isize = 0;
	u64 bytes;
	int ret;

	lockdep_assert_held(&ctx->ev.mtx);	/* for ctx->ident */
	ret = zcopy_owner_prepare(&ctx->ident);
	if (ret)
		return ret;
	ret = zcopy_xfer_source(sqe, buffer, zs->item.file, &file, &range,
				&isize);
	if (ret)
		return ret;
	bytes = range.end - range.start;

	cache = inline_buf ? zcopy_xfer_inline_cache : zcopy_xfer_cache;
	x = kmem_cache_zalloc(cache, GFP_KERNEL);
	if (!x) {
		ret = -ENOMEM;
		goto out_fput;
	}
	x->buf_inline = inline_buf;
	x->copy = READ_ONCE(zcopy_limits.copy_mode);
	/* A buffer's bytes count against max_pinned as a range's do. */
	ret = zcopy_ctx_charge(ctx, bytes, held);
	if (ret)
		goto out_free;
	if (buffer && !zcopy_claim_charge_buffer(&zs->claim, bytes)) {
		zcopy_ctx_uncharge(ctx, bytes);
		ret = -ENOBUFS;
		goto out_free;
	}
	if (sqe->flags & (ZCOPY_F_RELEASE | ZCOPY_F_DONTCACHE)) {
		/* Copy mode pins nothing past the send. */
		ret = x->copy ? 0 : zcopy_account_pinned(&x->mmp, bytes);
		if (ret) {
			if (buffer)
				zcopy_user_uncharge_buffer(zs->claim.user, bytes);
			zcopy_ctx_uncharge(ctx, bytes);
			goto out_free;
		}
		__set_bit(ZCOPY_XFER_NOTIFY, &x->state);
		/* Lives while the registration does, or holds transfers. */
		x->tls_watch = zs->tls_watch;
	}
	zcopy_owner_get(&x->owner, &ctx->ident);
	zcopy_notif_init(x);
	x->event.cqe.user_data = sqe->user_data;
	x->event.release = zcopy_xfer_event_release;
	INIT_LIST_HEAD(&x->link);
	refcount_set(&x->ref, 2);
	atomic_set(&x->charge_holds, 2);
	x->ctx = ctx;
	zcopy_ctx_get(ctx);
	x->sock_fd = sqe->sock_fd;
	x->file = file;
	if (inline_buf) {
		memcpy(x->inline_buf, buf->small, bytes);
		x->buf = x->inline_buf;
	} else if (buffer) {
		x->buf = buf->heap;
		buf->heap = NULL;
	}
	x->buf_user = buffer ? zs->claim.user : NULL;
	x->range = range;
	/* No size to clip to: the file's own read says where it ends. */
	x->until_eof = file && sqe->len && isize <= 0;
	x->pos = range.start;
	x->flags = sqe->flags;
	spin_lock(&ctx->xfers_lock);
	x->id = atomic64_inc_return(&ctx->next_id);	/* list in id order */
	list_add_tail(&x->ctx_link, &ctx->xfers);
	spin_unlock(&ctx->xfers_lock);
	zcopy_stat_add(ctx->stats, ZCOPY_A_STATS_TRANSFERS, 1);
	*xp = x;
	return 0;

out_free:
	kmem_cache_free(zcopy_xfer_cache_of(x), x);
out_fput:
	if (file)
		fput(file);
	return ret;
}

/*
 * The transfer will hand nothing more to the socket, because of @err
 * (0 if it got to its end; see zcopy_xfer_ended()): post its completion
 * now unless it waits for the pages' release, and drop our own
 * reference on the ubuf_info so that the last skb to let go completes
 * it.  One sent without a ubuf_info is done with the socket here.  (A
 * tail held back with MSG_MORE for the next transfer goes out with it,
 * or when the pass ends: sock.c.)
 *
 * The record says how many bytes went to the socket, as a write() cut
 * short does, and why it stopped early, if it did.
 */
void zcopy_xfer_finish(struct zcopy_xfer *x, int err)
{
	u64 sent = x->pos - x->range.start;

	x->event.cqe.res = sent || !err || err == -ENODATA ? (s64)sent : err;
	x->event.cqe.error = err;
	if (x->group)
		zcopy_group_ended(x, err);
	zcopy_xfer_free_buffer(x);
	/* As sendfile() tells watchers of its input (inotify, fanotify). */
	if (sent && x->file)
		fsnotify_access(x->file);
	set_bit(ZCOPY_XFER_HANDED, &x->state);
	if (!(x->flags & ZCOPY_F_RELEASE))
		zcopy_xfer_post(x);
	if (test_bit(ZCOPY_XFER_NOTIFY, &x->state)) {
		/*
		 * The TLS layer holds what it took until it lets go: pages,
		 * or in copy mode the records of their bytes, which a
		 * shutdown() before they reach TCP would lose.
		 */
		if (x->tls_watch && sent)
			zcopy_ktls_watch_hold(x->tls_watch, x);
		else
			zcopy_notif_put(x);
		return;
	}
	set_bit(ZCOPY_XFER_RELEASED, &x->state);
	zcopy_xfer_put(x);
}

/*
 * @x, made but never queued, is refused with the rest of its response
 * (ctx.c): undo what making it did, with no completion.  Its ubuf_info
 * was never handed to the stack.
 */
void zcopy_xfer_drop(struct zcopy_xfer *x)
{
	list_del_init(&x->link);
	zcopy_xfer_free_buffer(x);
	if (test_bit(ZCOPY_XFER_NOTIFY, &x->state))
		mm_unaccount_pinned_pages(&x->mmp);
	zcopy_xfer_unhold(x);
	zcopy_xfer_unhold(x);
	refcount_dec(&x->ref);
	zcopy_xfer_put(x);
}

/* Where @x is, as netlink reports it (enum zcopy_transfer_state). */
u32 zcopy_xfer_state(const struct zcopy_xfer *x)
{
	if (test_bit(ZCOPY_XFER_RELEASED, &x->state))
		return ZCOPY_TRANSFER_STATE_DONE;
	if (test_bit(ZCOPY_XFER_HANDED, &x->state))
		return ZCOPY_TRANSFER_STATE_RELEASING;
	if (test_bit(ZCOPY_XFER_STARTED, &x->state))
		return ZCOPY_TRANSFER_STATE_SENDING;
	return ZCOPY_TRANSFER_STATE_QUEUED;
}

int zcopy_engine_init(void)
{
	/*
	 * Accounted: a transfer is the submitter's memory.  Its record is
	 * what read() copies out of it (dev.c).
	 */
	unsigned int record = offsetof(struct zcopy_xfer, event.cqe);
	unsigned int size = sizeof(struct zcopy_xfer) + ZCOPY_BUFFER_INLINE;

	zcopy_xfer_cache = KMEM_CACHE_USERCOPY(zcopy_xfer, SLAB_ACCOUNT,
					       event.cqe);
	if (!zcopy_xfer_cache)
		return -ENOMEM;
	zcopy_xfer_inline_cache =
		kmem_cache_create_usercopy("zcopy_xfer_inline", size,
					   __alignof__(struct zcopy_xfer),
					   SLAB_ACCOUNT, record,
					   sizeof(struct zcopy_cqe), NULL);
	if (!zcopy_xfer_inline_cache)
		goto out_cache;
	zcopy_wq = alloc_workqueue("zcopy", WQ_UNBOUND, 0);
	if (!zcopy_wq)
		goto out_inline_cache;
	return 0;

out_inline_cache:
	kmem_cache_destroy(zcopy_xfer_inline_cache);
out_cache:
	kmem_cache_destroy(zcopy_xfer_cache);
	return -ENOMEM;
}

/*
 * Only reached with no context left, so nothing can queue work any more;
 * the workqueue's end waits for the last frees (a context outlives its
 * transfers).
 */
void zcopy_engine_exit(void)
{
	destroy_workqueue(zcopy_wq);
	kmem_cache_destroy(zcopy_xfer_inline_cache);
	kmem_cache_destroy(zcopy_xfer_cache);
}
