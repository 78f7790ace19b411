// SPDX-License-Identifier: GPL-2.0
/*
 * Transfers: from the page cache into a socket's skb frags.
 *
 * A transfer reads its file through the file's own splice_read (the
 * sendfile path: page-cache pages, readahead, truncation handled by the
 * filesystem) into a private pipe, and hands those pages to the socket
 * with MSG_ZEROCOPY and a ubuf_info of its own, as io_uring's SEND_ZC
 * does.  TCP then takes a reference on each page for its skb frags
 * instead of copying, and calls us back as each skb lets go; the last
 * callback is the moment the file's pages are no longer in use.  The
 * frags are marked shared (SKBFL_SHARED_FRAG), so nothing in the stack
 * writes into them in place: they are page-cache pages.
 *
 * TCP does not charge pure zero-copy frags to the socket's memory, so
 * the pages a transfer can make the stack hold are charged instead to
 * the submitting user's locked memory (RLIMIT_MEMLOCK, the user's
 * locked_vm), as MSG_ZEROCOPY and io_uring charge theirs: the whole
 * range, from submission until the stack has released its last page.
 * (The transfer's bytes also count against its context's max_pinned
 * until its completion has been read.)
 *
 * Everything here runs in process context on zcopy_wq, except
 * zcopy_uarg_complete(), which the stack may call from softirq and
 * which therefore only counts and schedules.
 */

#include <linux/file.h>
#include <linux/module.h>
#include <linux/net.h>
#include <linux/pipe_fs_i.h>
#include <linux/slab.h>
#include <linux/sizes.h>
#include <linux/splice.h>
#include <net/sock.h>

#include "ctx.h"
#include "netlink.h"
#include "stats.h"
#include "xfer.h"

/* Bytes read per splice call: a bound on one pass of a socket's worker. */
#define ZCOPY_PUSH_MAX		SZ_1M

struct workqueue_struct *zcopy_wq;

static void zcopy_xfer_put(struct zcopy_xfer *x)
{
	struct zcopy_ctx *ctx = x->ctx;

	if (!refcount_dec_and_test(&x->ref))
		return;
	spin_lock(&ctx->xfers_lock);
	list_del(&x->ctx_link);
	spin_unlock(&ctx->xfers_lock);
	zcopy_cache_forget_gaps(&x->gaps);
	fput(x->file);
	if (!x->uncharged)
		zcopy_ctx_uncharge(ctx, x->range.end - x->range.start);
	kfree(x);
	zcopy_stat_add(ZCOPY_STAT_TRANSFERS, -1);
	zcopy_ctx_put(ctx);	/* may be the module's last reference */
}

/* The reader has consumed the completion record (or the context closed). */
static void zcopy_xfer_event_release(struct zcopy_event *e)
{
	zcopy_xfer_put(container_of(e, struct zcopy_xfer, event));
}

static void zcopy_xfer_post(struct zcopy_xfer *x)
{
	s64 res = x->event.cqe.res;

	/*
	 * Only a release completion can say for certain; reporting a copy
	 * seen by chance before hand-off would make the flag meaningless.
	 */
	if ((x->flags & ZCOPY_F_RELEASE) &&
	    (test_bit(ZCOPY_XFER_COPIED, &x->state) || x->copied_at_send))
		x->event.cqe.flags |= ZCOPY_CQE_F_COPIED;
	if (res == -ECANCELED) {
		zcopy_stat_add(ZCOPY_STAT_CANCELLED, 1);
		atomic64_inc(&x->ctx->failed);
	} else if (res < 0) {
		zcopy_stat_add(ZCOPY_STAT_FAILED, 1);
		atomic64_inc(&x->ctx->failed);
		zcopy_nl_transfer_failed(x, res);
	} else {
		zcopy_stat_add(ZCOPY_STAT_COMPLETED, 1);
		atomic64_inc(&x->ctx->completed);
	}
	zcopy_events_post(&x->ctx->ev, &x->event);
}

/*
 * The network stack has dropped its last reference to the pages.  The
 * stack copied them after all if any skb was copied (local delivery).
 *
 * With ZCOPY_F_DONTCACHE, the pages are dropped first; one still held
 * (see cache.c) is tried again after 1, 2, 4 ... ms, ZCOPY_DROP_TRIES
 * times (about two seconds) at most, and then left cached: by then it
 * is someone else's.  The release completion waits through the first
 * ZCOPY_DROP_HOLD tries only, which cover the stack's own last frags;
 * the rest go on after it, so that another holder of the pages cannot
 * hold the completion up, nor the transfer's place in its context's
 * limits.
 */
#define ZCOPY_DROP_HOLD		3
#define ZCOPY_DROP_TRIES	11

static void zcopy_xfer_released(struct work_struct *work)
{
	struct zcopy_xfer *x = container_of(to_delayed_work(work),
					    struct zcopy_xfer, release_work);
	bool busy = false;

	if (!test_and_set_bit(ZCOPY_XFER_RELEASED, &x->state)) {
		zcopy_stat_add(ZCOPY_STAT_PAGES, -(s64)x->pages);
		if (test_bit(ZCOPY_XFER_COPIED, &x->state))
			zcopy_stat_add(ZCOPY_STAT_BYTES_COPIED,
				       x->bytes_zerocopy);
	}
	if (x->flags & ZCOPY_F_DONTCACHE)
		busy = zcopy_cache_drop_gaps(&x->gaps, x->file) &&
		       x->drop_tries < ZCOPY_DROP_TRIES;
	if (busy && x->drop_tries == ZCOPY_DROP_HOLD) {
		zcopy_ctx_uncharge(x->ctx, x->range.end - x->range.start);
		x->uncharged = true;
	}
	/* Once: when the drop is done, or when it has held long enough. */
	if ((x->flags & ZCOPY_F_RELEASE) &&
	    (x->drop_tries < ZCOPY_DROP_HOLD ? !busy :
	     x->drop_tries == ZCOPY_DROP_HOLD))
		zcopy_xfer_post(x);
	if (busy) {
		queue_delayed_work(zcopy_wq, &x->release_work,
				   msecs_to_jiffies(1U << x->drop_tries++));
		return;
	}
	zcopy_xfer_put(x);
}

/*
 * Called once per skb that carried our pages as it is freed, and once
 * for the transfer's own reference.  Any context, including softirq.
 */
static void zcopy_uarg_complete(struct sk_buff *skb, struct ubuf_info *uarg,
				bool zerocopy_success)
{
	struct zcopy_xfer *x = container_of(uarg, struct zcopy_xfer, uarg);

	if (!zerocopy_success)
		set_bit(ZCOPY_XFER_COPIED, &x->state);
	if (!refcount_dec_and_test(&uarg->refcnt))
		return;
	/*
	 * The pages are the stack's no more: give the user's locked memory
	 * back now (safe in any context, as MSG_ZEROCOPY does), not when
	 * the work gets to run.
	 */
	mm_unaccount_pinned_pages(&x->mmp);
	queue_delayed_work(zcopy_wq, &x->release_work, 0);
}

static const struct ubuf_info_ops zcopy_uarg_ops = {
	.complete = zcopy_uarg_complete,
};

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

/*
 * Check one submission entry and, if the context's limits allow, make
 * the transfer.  @sock_file is the registered socket it targets.
 */
int zcopy_xfer_create(struct zcopy_ctx *ctx, const struct zcopy_sqe *sqe,
		      struct file *sock_file, struct zcopy_xfer **xp)
{
	struct zcopy_range range;
	struct zcopy_xfer *x;
	struct file *file;
	size_t count;
	loff_t pos;
	u64 bytes;
	int ret;

	file = fget(sqe->file_fd);
	if (!file)
		return -EBADF;
	ret = zcopy_check_file(file);
	if (ret)
		goto out_fput;
	/* The mapping's host: a block device's size is not on its node. */
	ret = zcopy_range_resolve(sqe->offset, sqe->len,
				  i_size_read(file->f_mapping->host), &range);
	if (ret)
		goto out_fput;
	bytes = range.end - range.start;
	/* The permission checks sendfile() makes, with the caller's creds. */
	pos = range.start;
	count = min_t(u64, bytes, MAX_RW_COUNT);
	ret = rw_verify_area(READ, file, &pos, count);
	if (!ret)
		ret = rw_verify_area(WRITE, sock_file, NULL, count);
	if (ret)
		goto out_fput;

	x = kzalloc(sizeof(*x), GFP_KERNEL_ACCOUNT);
	if (!x) {
		ret = -ENOMEM;
		goto out_fput;
	}
	if (!zcopy_ctx_charge(ctx, bytes)) {
		ret = -EAGAIN;
		goto out_free;
	}
	ret = zcopy_account_pinned(&x->mmp, bytes);
	if (ret) {
		zcopy_ctx_uncharge(ctx, bytes);
		goto out_free;
	}
	x->uarg.ops = &zcopy_uarg_ops;
	refcount_set(&x->uarg.refcnt, 1);
	x->uarg.flags = SKBFL_ZEROCOPY_FRAG | SKBFL_SHARED_FRAG |
			SKBFL_DONT_ORPHAN;
	x->event.cqe.user_data = sqe->user_data;
	x->event.release = zcopy_xfer_event_release;
	INIT_LIST_HEAD(&x->link);
	refcount_set(&x->ref, 2);
	x->ctx = ctx;
	zcopy_ctx_get(ctx);
	x->sock_fd = sqe->sock_fd;
	x->file = file;
	x->range = range;
	x->pos = range.start;
	x->flags = sqe->flags;
	INIT_DELAYED_WORK(&x->release_work, zcopy_xfer_released);
	spin_lock(&ctx->xfers_lock);
	x->id = atomic64_inc_return(&ctx->submitted);	/* list in id order */
	list_add_tail(&x->ctx_link, &ctx->xfers);
	spin_unlock(&ctx->xfers_lock);
	zcopy_stat_add(ZCOPY_STAT_TRANSFERS, 1);
	*xp = x;
	return 0;

out_free:
	kfree(x);
out_fput:
	fput(file);
	return ret;
}

/*
 * One splice_direct_to_actor() call.  The read may start before the
 * bytes to send and end after them (see zcopy_xfer_push()): the actor
 * drops @skip bytes first and sends at most @limit.
 */
struct zcopy_push {
	struct zcopy_xfer *x;
	struct socket *sock;
	size_t skip;		/* bytes read only for alignment, to drop */
	size_t limit;		/* bytes to send, at most */
	size_t sent;		/* bytes the socket took */
	size_t read;		/* bytes the file's reads brought */
	int err;		/* why the last send stopped short */
};

/* Count what the socket accepted from @bv and how it took it. */
static void zcopy_account(struct zcopy_xfer *x, const struct bio_vec *bv,
			  size_t sent, bool zerocopy)
{
	unsigned long pages = 0;
	size_t left = sent;

	atomic64_add(sent, &x->ctx->bytes);
	if (!zerocopy) {
		/* No scatter-gather on the route: TCP copied into its own. */
		x->copied_at_send = true;
		zcopy_stat_add(ZCOPY_STAT_BYTES_COPIED, sent);
		return;
	}
	for (; left; bv++, pages++)
		left -= min_t(size_t, left, bv->bv_len);
	x->bytes_zerocopy += sent;
	x->pages += pages;
	zcopy_stat_add(ZCOPY_STAT_BYTES_ZEROCOPY, sent);
	zcopy_stat_add(ZCOPY_STAT_PAGES, pages);
}

/*
 * Release up to @bytes from the head of the pipe (the socket holds them
 * now, or they were never to be sent); returns how many it held.
 */
static size_t zcopy_pipe_consume(struct pipe_inode_info *pipe, size_t bytes)
{
	unsigned int mask = pipe->ring_size - 1;
	struct pipe_buffer *buf;
	size_t seg, done = 0;

	while (done < bytes && !pipe_empty(pipe->head, pipe->tail)) {
		buf = &pipe->bufs[pipe->tail & mask];
		seg = min_t(size_t, bytes - done, buf->len);
		buf->offset += seg;
		buf->len -= seg;
		done += seg;
		if (!buf->len) {
			pipe_buf_release(pipe, buf);
			pipe->tail++;
		}
	}
	return done;
}

/*
 * splice_direct_to_actor() callback: hand what the pipe holds to the
 * socket, never waiting.  Returns the bytes consumed from the pipe
 * (dropped or accepted), or an error when none were; p->err says why a
 * send stopped short.
 */
static int zcopy_send_actor(struct pipe_inode_info *pipe,
			    struct splice_desc *sd)
{
	struct zcopy_push *p = sd->u.data;
	struct bio_vec bvec[PIPE_DEF_BUFFERS];
	struct sock *sk = p->sock->sk;
	struct zcopy_xfer *x = p->x;
	unsigned int mask = pipe->ring_size - 1;
	struct pipe_buffer *buf;
	unsigned int tail, n;
	size_t len, want, seg, total;
	struct msghdr msg;
	bool zerocopy;
	int ret;

	/* The pipe holds exactly what the last read brought. */
	for (tail = pipe->tail; tail != pipe->head; tail++)
		p->read += pipe->bufs[tail & mask].len;
	total = zcopy_pipe_consume(pipe, p->skip);
	p->skip -= total;
	while (!pipe_empty(pipe->head, pipe->tail) && p->sent < p->limit) {
		n = 0;
		len = 0;
		want = p->limit - p->sent;
		for (tail = pipe->tail; tail != pipe->head && len < want &&
		     n < ARRAY_SIZE(bvec); tail++) {
			buf = &pipe->bufs[tail & mask];
			if (!buf->len)
				continue;
			ret = pipe_buf_confirm(pipe, buf);
			if (ret) {
				/* Truncated under us: send what came before. */
				if (!n)
					p->err = ret == -ENODATA ? 0 : ret;
				break;
			}
			seg = min_t(size_t, buf->len, want - len);
			bvec_set_page(&bvec[n++], buf->page, seg, buf->offset);
			len += seg;
		}
		if (!n)
			break;

		/* kTLS or sockmap may have taken the socket over since. */
		if (!test_bit(SOCK_SUPPORT_ZC, &p->sock->flags)) {
			p->err = -EOPNOTSUPP;
			break;
		}
		memset(&msg, 0, sizeof(msg));
		msg.msg_flags = MSG_ZEROCOPY | MSG_DONTWAIT | MSG_NOSIGNAL;
		if ((sd->flags & SPLICE_F_MORE) ||
		    (tail != pipe->head && len < want))
			msg.msg_flags |= MSG_MORE;
		msg.msg_ubuf = &x->uarg;
		iov_iter_bvec(&msg.msg_iter, ITER_SOURCE, bvec, n, len);
		zerocopy = READ_ONCE(sk->sk_route_caps) & NETIF_F_SG;
		ret = sock_sendmsg(p->sock, &msg);
		if (ret <= 0) {
			p->err = ret ?: -EAGAIN;
			break;
		}
		zcopy_account(x, bvec, ret, zerocopy);
		zcopy_pipe_consume(pipe, ret);
		x->corked = msg.msg_flags & MSG_MORE;
		total += ret;
		p->sent += ret;
		if (ret < len) {
			/* Out of send buffer; the socket's wake-up resumes. */
			p->err = -EAGAIN;
			break;
		}
	}
	return total ?: p->err;
}

/*
 * ZCOPY_F_DONTCACHE: the next read may reach byte @last.  Pages no read
 * of ours has covered yet that another reader has read meanwhile are
 * that reader's, not ours to drop (cache.c).
 */
static void zcopy_xfer_spare(struct zcopy_xfer *x, u64 last)
{
	pgoff_t end = last >> PAGE_SHIFT;

	if ((x->flags & ZCOPY_F_DONTCACHE) && end >= x->unread)
		zcopy_cache_spare_used(&x->gaps, x->file->f_mapping,
				       x->unread, end);
}

/* The reads have covered up to byte @end (exclusive). */
static void zcopy_xfer_read_to(struct zcopy_xfer *x, u64 end)
{
	pgoff_t next = DIV_ROUND_UP_ULL(end, PAGE_SIZE);

	if (next > x->unread)
		x->unread = next;
}

/*
 * Hand as much of @x to @sock as it takes now.  Returns 0 when the
 * transfer is over (x->pos says how far it got), ZCOPY_PUSH_PARKED when
 * the send buffer is full, or the error that ended it.
 *
 * The file's own read decides where it ends: a file truncated under
 * the transfer, or one whose size its inode does not give (procfs,
 * character devices), ends it when the read returns nothing.  An
 * -EAGAIN from the file is an error like any other: only the socket's
 * wake-up resumes a parked transfer, and a file would never send one.
 *
 * Files read without the page cache (O_DIRECT, DAX) are read through
 * direct I/O, which wants an aligned position and length; but a socket
 * takes any number of bytes, so a transfer resumes anywhere.  So every
 * read starts at the page before and ends at the page after, and the
 * actor drops the bytes outside the range (a page is a multiple of any
 * logical block size direct I/O asks for).  Every read, not only those
 * of files opened O_DIRECT now: fcntl() can set the flag between two.
 * For the page cache that costs a page reference, not a copy.
 */
int zcopy_xfer_push(struct zcopy_xfer *x, struct socket *sock)
{
	struct zcopy_push p = { .x = x, .sock = sock };
	struct splice_desc sd = { .u.data = &p };
	u64 left, from;
	ssize_t n;

	if ((x->flags & ZCOPY_F_DONTCACHE) && !x->scanned) {
		zcopy_cache_find_gaps(&x->gaps, x->file, x->range.start,
				      x->range.end);
		x->unread = x->range.start >> PAGE_SHIFT;
		x->scanned = true;
	}
	while (x->pos < x->range.end) {
		if (test_bit(ZCOPY_XFER_CANCEL, &x->state))
			return -ECANCELED;
		left = x->range.end - x->pos;
		p.limit = min_t(u64, left, ZCOPY_PUSH_MAX);
		p.skip = offset_in_page(x->pos);
		p.sent = 0;
		p.read = 0;
		p.err = 0;
		sd.total_len = PAGE_ALIGN(p.skip + p.limit);
		sd.flags = p.limit < left ? SPLICE_F_MORE : 0;
		from = x->pos - p.skip;
		sd.pos = from;
		zcopy_xfer_spare(x, x->pos + p.limit - 1);
		n = splice_direct_to_actor(x->file, &sd, zcopy_send_actor);
		zcopy_xfer_read_to(x, from + p.read);
		if (p.sent)	/* listings read it */
			WRITE_ONCE(x->pos, x->pos + p.sent);
		if (p.err == -EAGAIN)
			return ZCOPY_PUSH_PARKED;
		if (p.err)
			return p.err;
		if (n < 0)
			return n;	/* the file's error */
		if (!p.sent)
			break;		/* end of file came early */
		cond_resched();
	}
	return 0;
}

/*
 * The transfer will hand nothing more to the socket: post its completion
 * now unless it waits for the pages' release, and drop our own reference
 * on the ubuf_info so that the last skb to let go completes it.
 */
void zcopy_xfer_finish(struct zcopy_xfer *x, struct socket *sock, s64 res)
{
	if (x->corked && sock->ops->splice_eof)
		sock->ops->splice_eof(sock);	/* push out a MSG_MORE tail */
	x->event.cqe.res = res;
	set_bit(ZCOPY_XFER_HANDED, &x->state);
	if (!(x->flags & ZCOPY_F_RELEASE))
		zcopy_xfer_post(x);
	zcopy_uarg_complete(NULL, &x->uarg, true);
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
	zcopy_wq = alloc_workqueue("zcopy", WQ_UNBOUND, 0);
	return zcopy_wq ? 0 : -ENOMEM;
}

/* Only reached with no context left, so nothing can queue work any more. */
void zcopy_engine_exit(void)
{
	destroy_workqueue(zcopy_wq);
}
