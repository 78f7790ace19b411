// SPDX-License-Identifier: GPL-2.0
/*
 * Contexts: registration, submission, cancellation and limits.
 *
 * LOCKING
 *
 * Every lock the module takes, outermost first.  A lock is taken only
 * while holding locks above it in this list, never one below; locks
 * marked "leaf" have nothing taken inside them.  Each file says which
 * of these its functions need, and lockdep_assert_held() checks it.
 *
 *  1. zcopy_config_lock (mutex; netlink.c): configuration changes and
 *     their notifications.  Process context; never held with any lock
 *     below but the netlink core's.
 *  2. ring->sq_mtx (mutex; ring.c): a context's submission ring, held
 *     across a doorbell (SUBMIT with ZCOPY_SUBMIT_F_RING), so that two
 *     never take the same entries.  Only doorbells of one context wait
 *     on it, and it may be held while the caller's memory faults in (a
 *     ZCOPY_F_BUFFER entry's bytes).
 *  3. ctx->ev.mtx (mutex; events.c): a context's registered sockets;
 *     held across one SUBMIT entry, CANCEL, REGISTER, UNREGISTER and
 *     close, so a socket cannot be unregistered under an entry (a
 *     response of several entries is queued under the hold that makes
 *     its last, and dropped if its socket went before: struct
 *     zcopy_chain), and so the context's last identity (owner.h).
 *     Never held while touching user memory: a fault that does not
 *     resolve (userfaultfd, FUSE) must stall only the caller that took
 *     it, not every user of the context.
 *  4. zs->push_mtx (mutex; sock.c): one pass over a socket's queue.
 *     Only ever trylocked, so no thread waits for a pass, and held with
 *     ev.mtx only by unregistration's trylock, which unlocks at once:
 *     SUBMIT lets go of ev.mtx before its inline pass.  A pass may sleep
 *     in a file's read, or for the socket's lock, holding it.
 *  5. folio locks (the page cache's): taken by the readahead and the
 *     file's own read that a deferred pass starts, which may sleep on
 *     them; the pass itself only trylocks one, and unlocks it at once
 *     (send.c, zcopy_read_folio()).
 *  6. zs->send_mtx (mutex; send.c): one non-blocking sendmsg() or the
 *     uncork, in a pass (under push_mtx), against the mark that
 *     unregistration sets; it may wait for the socket's lock, which the
 *     socket's owner can hold for as long as it likes, so nothing but
 *     the pass holding push_mtx ever takes it.
 *  7. the socket's own lock (lock_sock(), inside sendmsg()): TCP's.
 *  8. the wait-queue locks of a folio (the page cache's hashed queue)
 *     and of a socket: a pass adds its entry on a folio's queue under
 *     it (folio_add_wait_queue()), registration and unregistration on
 *     the socket's; the unlock that ends a read calls
 *     zcopy_sock_folio_wake() under it, and TCP zcopy_sock_wake(), in any
 *     context, hardirq included: they queue a pass (16) and drop a
 *     reference on the registration, whose free, if it was the last,
 *     they queue (workqueue locks).
 *  9. zcopy_claims_lock (spinlock; claim.c), leaf: registrations
 *     module-wide and each user's count of them.  Process
 *     context only.
 * 10. zs->lock (spinlock; sock.c), leaf: a socket's transfer queue and
 *     the STARTED and CANCEL bits of the transfers on it.  Process
 *     context only: the socket's and the folio's wake-ups and the retry
 *     timer, which run in interrupt context, do not take it, so a plain
 *     spinlock.
 * 11. zcopy_contexts' xa_lock (spinlock): the context registry; the
 *     netlink listings hold it while they read a context, so that it
 *     cannot be freed under them, and take 12 inside it.
 * 12. ctx->xfers_lock (spinlock): a context's list of live transfers,
 *     for the listings; taken when a transfer is made or freed too.
 * 13. ctx->ev.lock (spinlock; events.c): the ready list, the CQ of
 *     the context's rings (ring.c), and the sockets whose sends wait
 *     for a call's inline budget (listed after a pass let go of
 *     push_mtx, taken off under ev.mtx by unregistration).  Completions
 *     are posted in process context only (the stack's page release in
 *     softirq only schedules work), and a record released by a closed
 *     context is released after it is let go.
 * 14. ctx->ev.wq.lock (the readers' wait queue), leaf: inside ev.lock,
 *     by the wake-up that a post makes.
 * 15. ctx->lent.lock (spinlock; lend.c), leaf: the threads lent to a
 *     context and the registrations waiting for one.  Process context,
 *     taken with none of the above held.
 * 16. zs->task_lock (spinlock, irq-safe; sock.c), leaf: the thread a
 *     registration's deferred passes go to, around task_work_add().
 *     Any context, under 8 too.
 * 17. w->lock (spinlock; ktls_release.c), leaf: a kTLS socket's handed
 *     transfers waiting for their release.  Process context only; the
 *     wake-up's kick (under 8) does not take it.
 * 18. the socket's spinlock (sk_lock.slock, bottom halves off), leaf:
 *     the kTLS watch's look at the TLS layer when no one owns the
 *     socket, taken with 17 let go (ktls_release.c).
 *
 * Besides, owner.c reads the submitter's cgroups under RCU, and the
 * transfers' and registrations' bits and counters are atomics, as are
 * the users' counts of buffered bytes (claim.c): a user's struct lives
 * as long as a registration of its holds it.
 *
 * A context outlives the close() of its file while any transfer lives:
 * the network stack may hold the file's pages long after.  Each context
 * holds a module reference for that time, so the module cannot go away
 * under a page release callback; it is dropped last, from process
 * context (see zcopy_ctx_put()).
 *
 * Transfers run as their submitter, in its own thread or one the
 * application lent, when they cannot go at once (sock.c, lend.c,
 * owner.c); see the source map in Documentation/zcopy.rst.
 */

#include <linux/cred.h>
#include <linux/fdtable.h>
#include <linux/file.h>
#include <linux/module.h>
#include <linux/nsproxy.h>
#include <linux/pid.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <net/net_namespace.h>

#include "claim.h"
#include "compat.h"
#include "ctx.h"
#include "limits.h"
#include "ring.h"
#include "sock.h"
#include "stats.h"
#include "xfer.h"

DEFINE_XARRAY_ALLOC1(zcopy_contexts);
static u32 zcopy_next_ctx_id;

static void zcopy_ctx_free(struct zcopy_ctx *ctx)
{
	xa_erase(&zcopy_contexts, ctx->id);
	zcopy_stat_add(ctx->stats, ZCOPY_A_STATS_CONTEXTS, -1);
	put_net(ctx->net);
	put_pid(ctx->pid);
	zcopy_ring_free(ctx->ev.ring);
	mutex_destroy(&ctx->ev.mtx);
	kfree(ctx);
	module_put(THIS_MODULE);
}

static void zcopy_ctx_free_work(struct work_struct *work)
{
	struct zcopy_ctx *ctx = container_of(to_rcu_work(work),
					     struct zcopy_ctx, free_work);

	zcopy_work_kcov(ctx);
	zcopy_ctx_free(ctx);
	kcov_remote_stop();
}

/*
 * The watchdog of the sends deferred for a call's budget: when no call
 * of the application has gone on with them for deferred-timeout-ms, they
 * go on as deferred passes in their submitters' threads, as they would
 * with no budget, so that an application that waits for its peer
 * before it reads a completion is not left waiting.  The timer holds a
 * reference on the context, which its work takes over.
 */
static void zcopy_ctx_deferred_work(struct work_struct *work)
{
	struct zcopy_ctx *ctx = container_of(work, struct zcopy_ctx,
					     deferred_work);
	struct list_head *link;

	zcopy_work_kcov(ctx);
	/* A call is going on with them: it arms the watchdog as it ends. */
	if (!atomic_read(&ctx->calls)) {
		while ((link = zcopy_events_next_deferred(&ctx->ev))) {
			zcopy_sock_resume(container_of(link, struct zcopy_sock,
						       later_link));
			cond_resched();
		}
	}
	kcov_remote_stop();
	zcopy_ctx_put(ctx);
}

static void zcopy_ctx_deferred_timer(struct timer_list *t)
{
	struct zcopy_ctx *ctx = from_timer(ctx, t, deferred_timer);

	if (!queue_work(zcopy_wq, &ctx->deferred_work))
		zcopy_ctx_put(ctx);
}

/*
 * A call that may go on with deferred sends, or defer more, begins: the
 * watchdog leaves them to it.  As it ends, the watchdog waits
 * deferred-timeout-ms from then if any still wait.  The look at the list
 * is unlocked: a call that lists a socket looks after it did.  A timer
 * that finds the list empty costs one empty run of the work.
 */
void zcopy_ctx_call_begin(struct zcopy_ctx *ctx)
{
	atomic_inc(&ctx->calls);
}

void zcopy_ctx_call_end(struct zcopy_ctx *ctx)
{
	unsigned long timeout;

	atomic_dec(&ctx->calls);
	if (!zcopy_events_has_deferred(&ctx->ev))
		return;
	timeout = msecs_to_jiffies(READ_ONCE(zcopy_limits.deferred_timeout_ms));
	zcopy_ctx_get(ctx);
	if (mod_timer(&ctx->deferred_timer, jiffies + timeout))
		zcopy_ctx_put(ctx);	/* it had its own */
}

/* A context for the calling process, in its network namespace. */
struct zcopy_ctx *zcopy_ctx_create(void)
{
	struct zcopy_ctx *ctx = kzalloc(sizeof(*ctx), GFP_KERNEL_ACCOUNT);

	if (!ctx)
		return NULL;
	zcopy_events_init(&ctx->ev);
	refcount_set(&ctx->ref, 1);
	ctx->pid = get_task_pid(current, PIDTYPE_TGID);
	ctx->uid = current_uid();
	get_task_comm(ctx->comm, current);
	ctx->net = get_net(current->nsproxy->net_ns);
	ctx->stats = zcopy_net(ctx->net);
	ctx->kcov_handle = kcov_common_handle();
	spin_lock_init(&ctx->xfers_lock);
	INIT_LIST_HEAD(&ctx->xfers);
	INIT_RCU_WORK(&ctx->free_work, zcopy_ctx_free_work);
	timer_setup(&ctx->deferred_timer, zcopy_ctx_deferred_timer, 0);
	INIT_WORK(&ctx->deferred_work, zcopy_ctx_deferred_work);
	zcopy_lent_init(&ctx->lent);
	/* Cyclic, so that an id seen in a listing is not soon reused. */
	if (xa_alloc_cyclic(&zcopy_contexts, &ctx->id, ctx, xa_limit_31b,
			    &zcopy_next_ctx_id, GFP_KERNEL_ACCOUNT) < 0)
		goto err_free;
	__module_get(THIS_MODULE);
	zcopy_stat_add(ctx->stats, ZCOPY_A_STATS_CONTEXTS, 1);
	return ctx;

err_free:
	put_net(ctx->net);
	put_pid(ctx->pid);
	kfree(ctx);
	return NULL;
}

void zcopy_ctx_get(struct zcopy_ctx *ctx)
{
	refcount_inc(&ctx->ref);
}

/*
 * The last reference goes with the file, with a transfer's completion
 * or release, or with a registration's last pass, which may run as task
 * work: module code that nothing but the context keeps loaded.  So the
 * context is freed by the module's own workqueue, whose destruction at
 * module exit waits for it, and only after an RCU grace period, which
 * waits for the task work that dropped the reference to leave the
 * module's code (sock.c drops it under rcu_read_lock()): the module
 * reference that the context holds is dropped there, last, so the
 * module cannot go away under either.
 */
void zcopy_ctx_put(struct zcopy_ctx *ctx)
{
	if (refcount_dec_and_test(&ctx->ref))
		queue_rcu_work(zcopy_wq, &ctx->free_work);
}

/* The file is closing: cancel everything and drop unread completions. */
void zcopy_ctx_close(struct zcopy_ctx *ctx)
{
	struct list_head *link;
	struct zcopy_item *item;
	struct zcopy_sock *zs;

	mutex_lock(&ctx->ev.mtx);
	while ((item = zcopy_events_first(&ctx->ev))) {
		zcopy_events_remove(&ctx->ev, item);
		zcopy_sock_destroy(container_of(item, struct zcopy_sock, item));
	}
	zcopy_ident_cache_drop(&ctx->ident);
	mutex_unlock(&ctx->ev.mtx);
	/* No thread is lent now: each would hold the file. */
	zcopy_lent_give_back(&ctx->lent);
	zcopy_events_close(&ctx->ev);
	/*
	 * Unregistration took the sockets off the deferred list; a pass
	 * that ended as one was unregistered may have put it back.
	 */
	while ((link = zcopy_events_next_deferred(&ctx->ev))) {
		zs = container_of(link, struct zcopy_sock, later_link);
		zcopy_sock_put(zs);
	}
	if (del_timer(&ctx->deferred_timer))
		zcopy_ctx_put(ctx);
	zcopy_ctx_put(ctx);
}

int zcopy_ctx_register(struct zcopy_ctx *ctx, int fd)
{
	struct zcopy_sock *zs = zcopy_sock_create(ctx, fd);
	int ret;

	if (IS_ERR(zs))
		return PTR_ERR(zs);
	mutex_lock(&ctx->ev.mtx);
	ret = zcopy_events_insert(&ctx->ev, &zs->item);
	if (!ret) {
		ret = zcopy_claim_socket(&zs->claim, zs->sock);
		if (ret)
			zcopy_events_remove(&ctx->ev, &zs->item);
	}
	mutex_unlock(&ctx->ev.mtx);
	if (ret)
		zcopy_sock_destroy(zs);
	return ret;
}

/*
 * The registration of @fd; NULL if there is none.  Every entry of a
 * submission names its socket, so this is on the per-response path: the
 * fd's file is only compared with the registered ones, never used, and
 * so is looked up without a reference.  A registration holds its own on
 * its file, so a match is that file, installed at @fd when looked at;
 * a file closed meanwhile is one the tree does not hold.  (As fget(), an
 * O_PATH file is no socket's: -EBADF.)
 */
static struct zcopy_sock *zcopy_ctx_find(struct zcopy_ctx *ctx, int fd,
					 int *err)
{
	struct zcopy_item *item = NULL;
	struct file *file;

	lockdep_assert_held(&ctx->ev.mtx);
	rcu_read_lock();
	file = files_lookup_fd_raw(current->files, fd);
	if (file && !(READ_ONCE(file->f_mode) & FMODE_PATH))
		item = zcopy_events_find(&ctx->ev, file, fd);
	else
		file = NULL;
	rcu_read_unlock();
	if (!file) {
		*err = -EBADF;
		return NULL;
	}
	*err = item ? 0 : -ENOENT;
	return item ? container_of(item, struct zcopy_sock, item) : NULL;
}

int zcopy_ctx_unregister(struct zcopy_ctx *ctx, int fd)
{
	struct zcopy_sock *zs;
	int ret;

	mutex_lock(&ctx->ev.mtx);
	zs = zcopy_ctx_find(ctx, fd, &ret);
	if (zs) {
		zcopy_events_remove(&ctx->ev, &zs->item);
		zcopy_sock_destroy(zs);
	}
	mutex_unlock(&ctx->ev.mtx);
	return ret;
}

/*
 * Count a new transfer of @bytes against the context's limits: at most
 * max_inflight transfers, and new ones only while the bytes held, less
 * the @held bytes of the response it continues, are below max_pinned
 * (so that a response's large ranges do not shut out its own trailer).
 * A response's bytes add up to MAX_LFS_FILESIZE at most, as one range's
 * do, so the count cannot wrap.  Returns 0, -EAGAIN, or -EFBIG.
 * Submissions are serialized by ev.mtx.
 */
int zcopy_ctx_charge(struct zcopy_ctx *ctx, u64 bytes, u64 held)
{
	lockdep_assert_held(&ctx->ev.mtx);
	if (bytes > MAX_LFS_FILESIZE - held)
		return -EFBIG;
	if (atomic_read(&ctx->inflight) >= READ_ONCE(zcopy_limits.max_inflight) ||
	    atomic64_read(&ctx->pinned) - held >=
	    READ_ONCE(zcopy_limits.max_pinned))
		return -EAGAIN;
	atomic_inc(&ctx->inflight);
	atomic64_add(bytes, &ctx->pinned);
	return 0;
}

void zcopy_ctx_uncharge(struct zcopy_ctx *ctx, u64 bytes)
{
	atomic64_sub(bytes, &ctx->pinned);
	atomic_dec(&ctx->inflight);
}

/*
 * The entries of one response (ZCOPY_F_LINK) are made into transfers one
 * by one, and join their socket's queue together once the last is made,
 * under the ev.mtx hold that found its socket, so that a pass sees the
 * whole response: each send but the last says MSG_MORE, and the failure
 * of one cancels the rest but for ZCOPY_F_INDEPENDENT ones (sock.c).  An
 * entry refused drops the response's earlier ones, unsent and
 * uncompleted: SUBMIT takes whole responses.  An entry without the flag
 * is a response of its own.
 *
 * Between its entries, a response is on no socket's queue: a CANCEL
 * from another thread does not see it, and an UNREGISTER makes its next
 * entry refused (not registered), which drops it.
 */
struct zcopy_chain {
	struct zcopy_sock *zs;		/* with a reference; NULL: none yet */
	struct list_head xfers;		/* made, not yet queued */
	unsigned int n;			/* on xfers */
	u64 bytes;			/* that they count against max_pinned */
	u64 buffered;			/* of them, ZCOPY_F_BUFFER bytes */
	u32 flags;			/* its first entry's: ZCOPY_F_GROUP */
};

static int zcopy_ctx_submit_one(struct zcopy_ctx *ctx,
				const struct zcopy_sqe *sqe,
				struct zcopy_buffer *buf,
				struct zcopy_chain *chain)
{
	bool buffer = sqe->flags & ZCOPY_F_BUFFER;
	struct zcopy_xfer *x;
	struct zcopy_sock *zs;
	int ret;

	lockdep_assert_held(&ctx->ev.mtx);
	zs = zcopy_ctx_find(ctx, sqe->sock_fd, &ret);
	if (!zs)
		return ret;
	/* A response goes to one socket, completed as one or entry by entry. */
	if (chain->zs && (chain->zs != zs ||
			  (chain->flags ^ sqe->flags) & ZCOPY_F_GROUP))
		return -EINVAL;
	/* What could never be taken whole, however long one waited. */
	if (chain->n >= READ_ONCE(zcopy_limits.max_inflight) ||
	    (buffer && chain->buffered + sqe->len > ZCOPY_MAX_USER_BUFFERED))
		return -E2BIG;
	ret = zcopy_xfer_create(ctx, sqe, buf, zs, chain->bytes, &x);
	if (ret)
		return ret;
	list_add_tail(&x->link, &chain->xfers);
	chain->n++;
	chain->bytes += x->range.end - x->range.start;
	if (buffer)
		chain->buffered += sqe->len;
	if (!chain->zs) {
		zcopy_sock_get(zs);
		chain->zs = zs;
		chain->flags = sqe->flags;
	}
	return 0;
}

/* Start the next response; returns the socket, and its reference. */
static struct zcopy_sock *zcopy_chain_reset(struct zcopy_chain *chain)
{
	struct zcopy_sock *zs = chain->zs;

	chain->zs = NULL;
	chain->n = 0;
	chain->bytes = 0;
	chain->buffered = 0;
	chain->flags = 0;
	return zs;
}

/*
 * Queue the response made, whose last entry found its socket registered
 * under this hold of ev.mtx.  Returns the socket, with the reference
 * that zcopy_sock_push_now() is called with.
 */
static struct zcopy_sock *zcopy_ctx_queue_chain(struct zcopy_ctx *ctx,
						struct zcopy_chain *chain)
{
	lockdep_assert_held(&ctx->ev.mtx);
	atomic64_add(chain->n, &ctx->submitted);
	zcopy_stat_add(ctx->stats, ZCOPY_A_STATS_SUBMITTED, chain->n);
	if (chain->flags & ZCOPY_F_GROUP)
		zcopy_xfer_group(&chain->xfers, chain->n);
	zcopy_sock_queue(chain->zs, &chain->xfers);
	return zcopy_chain_reset(chain);
}

/* The response was refused part-way: none of it was accepted. */
static void zcopy_ctx_drop_chain(struct zcopy_chain *chain)
{
	struct zcopy_xfer *x, *tmp;

	list_for_each_entry_safe(x, tmp, &chain->xfers, link)
		zcopy_xfer_drop(x);
	zcopy_sock_put(zcopy_chain_reset(chain));
}

/* Where a SUBMIT takes its entries: the caller's array, or the SQ. */
struct zcopy_sqe_source {
	const struct zcopy_sqe __user *usqe;
	struct zcopy_ring *ring;	/* under its sq_mtx */
};

static int zcopy_sqe_get(const struct zcopy_sqe_source *src, unsigned int i,
			 struct zcopy_sqe *sqe)
{
	if (src->ring) {
		zcopy_ring_sq_fetch(src->ring, i, sqe);
		return 0;
	}
	return copy_from_user(sqe, &src->usqe[i], sizeof(*sqe)) ? -EFAULT : 0;
}

/*
 * Take entry @i of @nr into @chain; *@zsp is the socket to push (with a
 * reference) if it ends a response, else NULL.  Apart from the push, so
 * that the entry's bytes on the stack are gone before the send path
 * runs.
 */
static noinline int zcopy_ctx_take_entry(struct zcopy_ctx *ctx,
					 const struct zcopy_sqe_source *src,
					 unsigned int i, unsigned int nr,
					 struct zcopy_chain *chain,
					 struct zcopy_sock **zsp)
{
	struct zcopy_buffer buf;
	struct zcopy_sqe sqe;
	int ret;

	/* Before locking: see ev.mtx in LOCKING above. */
	ret = zcopy_sqe_get(src, i, &sqe) ?: zcopy_sqe_check(&sqe) ?:
	      zcopy_buffer_copy(&sqe, &buf);
	if (ret)
		return ret;
	mutex_lock(&ctx->ev.mtx);
	ret = zcopy_ctx_submit_one(ctx, &sqe, &buf, chain);
	if (ret) {
		mutex_unlock(&ctx->ev.mtx);
		zcopy_buffer_free(&buf);
		return ret;
	}
	*zsp = NULL;
	if (!(sqe.flags & ZCOPY_F_LINK) || i + 1 == nr)
		*zsp = zcopy_ctx_queue_chain(ctx, chain);
	mutex_unlock(&ctx->ev.mtx);
	return 0;
}

/*
 * Returns how many of the @nr entries were accepted, or the first one's
 * error: whole responses only.
 */
static int zcopy_ctx_submit_entries(struct zcopy_ctx *ctx,
				    const struct zcopy_sqe_source *src,
				    unsigned int nr, u64 *budget)
{
	struct zcopy_chain chain = {
		.xfers = LIST_HEAD_INIT(chain.xfers),
	};
	struct zcopy_sock *zs;
	unsigned int i;
	int ret = 0;

	for (i = 0; i < nr; i++) {
		ret = zcopy_ctx_take_entry(ctx, src, i, nr, &chain, &zs);
		if (ret)
			break;
		if (zs) {
			/* Inline first: see sock.c. */
			zcopy_sock_push_now(zs, budget);
			zcopy_sock_put(zs);
		}
		cond_resched();
	}
	if (chain.zs) {
		i -= chain.n;
		zcopy_ctx_drop_chain(&chain);
	}
	return i ? i : ret;
}

/* The doorbell: up to @nr of the entries published in the SQ. */
static int zcopy_ctx_submit_ring(struct zcopy_ctx *ctx, unsigned int nr,
				 u64 *budget)
{
	struct zcopy_sqe_source src = { .ring = zcopy_events_ring(&ctx->ev) };
	int ret;

	if (!src.ring)
		return -EINVAL;
	if (mutex_lock_interruptible(&src.ring->sq_mtx))
		return -EINTR;
	ret = zcopy_ring_sq_ready(src.ring);
	if (ret > 0) {
		ret = zcopy_ctx_submit_entries(ctx, &src, min_t(u32, nr, ret),
					       budget);
		if (ret > 0)
			zcopy_ring_sq_consume(src.ring, ret);
	}
	mutex_unlock(&src.ring->sq_mtx);
	return ret;
}

/*
 * Go on with what the budgets of earlier calls left, oldest first, in
 * what is left of this call's @budget: at the start of SUBMIT and of
 * read(), in the caller's thread.  A pass whose transfer another thread
 * submitted goes to that thread (zcopy_sock_push_now()).
 */
void zcopy_ctx_run_deferred(struct zcopy_ctx *ctx, u64 *budget)
{
	struct list_head *link;
	struct zcopy_sock *zs;

	while (*budget && (link = zcopy_events_next_deferred(&ctx->ev))) {
		zs = container_of(link, struct zcopy_sock, later_link);
		zcopy_sock_push_now(zs, budget);
		zcopy_sock_put(zs);
		cond_resched();
	}
}

/* What one call may send inline: see "The inline budget" in zcopy.rst. */
u64 zcopy_ctx_budget(void)
{
	return READ_ONCE(zcopy_limits.submit_budget);
}

int zcopy_ctx_submit(struct zcopy_ctx *ctx, const struct zcopy_submit *s)
{
	struct zcopy_sqe_source src = { .usqe = u64_to_user_ptr(s->sqes) };
	u64 budget = zcopy_ctx_budget();
	int ret;

	/*
	 * Completions waiting for room that the application has made in
	 * the CQ move in first: each one holds its transfer's place in the
	 * limits until then.
	 */
	zcopy_events_flush(&ctx->ev);
	zcopy_ctx_call_begin(ctx);
	zcopy_ctx_run_deferred(ctx, &budget);
	if (!(s->flags & ZCOPY_SUBMIT_F_RING))
		ret = zcopy_ctx_submit_entries(ctx, &src,
					       min_t(u32, s->nr, INT_MAX),
					       &budget);
	else if (s->sqes)
		ret = -EINVAL;
	else
		ret = zcopy_ctx_submit_ring(ctx, s->nr, &budget);
	zcopy_ctx_call_end(ctx);
	return ret;
}

/*
 * ZCOPY_IOC_SETUP_RINGS, with @p checked and laid out by
 * zcopy_ring_params(): -EBUSY if the context has them already.
 */
int zcopy_ctx_setup_rings(struct zcopy_ctx *ctx, const struct zcopy_rings *p)
{
	struct zcopy_ring *ring;
	int ret;

	if (zcopy_events_ring(&ctx->ev))
		return -EBUSY;
	ret = zcopy_ring_create(p, &ring);
	if (ret)
		return ret;
	mutex_lock(&ctx->ev.mtx);
	if (ctx->ev.ring)
		ret = -EBUSY;
	else
		zcopy_events_set_ring(&ctx->ev, ring);
	mutex_unlock(&ctx->ev.mtx);
	if (ret)
		zcopy_ring_free(ring);
	return ret;
}

int zcopy_ctx_cancel(struct zcopy_ctx *ctx, u64 user_data)
{
	struct zcopy_item *item;
	unsigned int n = 0;

	mutex_lock(&ctx->ev.mtx);
	for (item = zcopy_events_first(&ctx->ev); item;
	     item = zcopy_events_next(&ctx->ev, item))
		n += zcopy_sock_cancel(container_of(item, struct zcopy_sock,
						    item), user_data);
	mutex_unlock(&ctx->ev.mtx);
	return n ? min_t(unsigned int, n, INT_MAX) : -ENOENT;
}
