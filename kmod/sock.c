// SPDX-License-Identifier: GPL-2.0
/*
 * Registered sockets and the passes that feed them.
 *
 * A pass sends the transfers at the head of a socket's queue, in order,
 * until the queue is empty, the send buffer is full, or (inline) the
 * next bytes would have to wait for the file.  Passes of one socket are
 * serialized by push_mtx; passes of different sockets run in parallel.
 *
 * A pass that finds another running asks it to go round once more and
 * leaves (ZCOPY_SOCK_RERUN): no thread waits for another's pass.
 *
 * Where a pass runs, cheapest first:
 *
 *  - inline, in SUBMIT, as the submitter: what the page cache holds goes
 *    to the socket at once, without a thread hop (zcopy_sock_push_now());
 *  - otherwise on the context's own workqueue, as the submitter (its
 *    credentials and cgroups, owner.c): a pass there may sleep on the
 *    file.  Each context has its own workqueue and bound on busy
 *    workers, and each user a bound across its contexts (claim.c), so a
 *    file that never answers stalls only its context and its user.
 *
 * When the send buffer fills, the pass returns and nothing waits: at
 * registration an entry was put on the socket's wait queue, as epoll
 * does, and TCP wakes it when space frees up (or on error or hang-up).
 * The wake-up callback runs in softirq and only queues the work, and
 * only when a pass parked (ZCOPY_SOCK_PARKED): the wake-ups a socket
 * gets while a pass is sending cost nothing.
 *
 * When the next bytes are on their way from the disk, the pass returns
 * too, and nothing waits either: an entry on the folio's wait queue,
 * which the end of the read wakes as it unlocks the folio, queues the
 * work (ZCOPY_SOCK_DISK_WAIT; send.c).
 *
 * Unregistration never waits for a pass: a pass can sit in the file's
 * read for as long as the file likes (FUSE), or wait for the socket's
 * lock while its owner's own send() sleeps in a page fault.  It marks
 * the socket dead, which every send checks under send_mtx; the pass
 * finds out at its next send, lets the socket go to another
 * registration when it ends, and the registration is freed by the last
 * reference.
 *
 * Locks: ev.mtx or push_mtx, then zs->lock; push_mtx, then send_mtx;
 * ev.mtx and push_mtx are held together only by unregistration's
 * trylock.  The full list, with the folio's
 * and the socket's wait-queue locks under which the wake-ups run, is
 * LOCKING in ctx.c.
 */

#include <linux/file.h>
#include <linux/net.h>
#include <linux/poll.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <net/sock.h>

#include "compat.h"
#include "ctx.h"
#include "fault.h"
#include "limits.h"
#include "send.h"
#include "sock.h"
#include "stats.h"
#include "xfer.h"

void zcopy_sock_get(struct zcopy_sock *zs)
{
	refcount_inc(&zs->ref);
}

static void zcopy_sock_free(struct work_struct *work)
{
	struct zcopy_sock *zs = container_of(work, struct zcopy_sock,
					     free_work);
	struct zcopy_ctx *ctx = zs->ctx;

	/* Every transfer completed before the last pass let go. */
	WARN_ON_ONCE(!list_empty(&zs->queue));
	zcopy_release_socket(&zs->claim);
	fput(zs->item.file);
	kfree(zs);
	zcopy_ctx_put(ctx);
}

/* Process context: the free takes the claims lock and may free the context. */
void zcopy_sock_put(struct zcopy_sock *zs)
{
	if (refcount_dec_and_test(&zs->ref))
		zcopy_sock_free(&zs->free_work);
}

/*
 * A put in a wake-up or the retry timer: interrupt context, or under a
 * wait queue's lock.  It can be the last one: a pass queued before may
 * have run and ended since.  Then the free goes to the module's
 * workqueue, in process context.
 */
static void zcopy_sock_put_atomic(struct zcopy_sock *zs)
{
	if (!refcount_dec_and_test(&zs->ref))
		return;
	INIT_WORK(&zs->free_work, zcopy_sock_free);
	queue_work(zcopy_wq, &zs->free_work);
}

/*
 * Queue a pass with a reference the caller passes on; if the work is
 * queued already, the caller's goes.  Any context.
 */
static void zcopy_sock_queue_work(struct zcopy_sock *zs)
{
	if (!queue_work(zs->ctx->wq, &zs->work))
		zcopy_sock_put_atomic(zs);
}

/* Make sure a pass on the context's workqueue will see the queue. */
static void zcopy_sock_kick(struct zcopy_sock *zs)
{
	zcopy_sock_get(zs);
	zcopy_sock_queue_work(zs);
}

/*
 * The last send stopped short for lack of space: park, unless space
 * came back before the wake-up could see the flag.  Returns true if the
 * pass should try again now.
 */
static bool zcopy_sock_park(struct zcopy_sock *zs)
{
	struct sock *sk = zs->sock->sk;

	set_bit(ZCOPY_SOCK_PARKED, &zs->flags);
	/* As tcp_poll() does: TCP wakes a waiter only if this is set. */
	set_bit(SOCK_NOSPACE, &zs->sock->flags);
	/* Pairs with TCP's barrier before it tests for waiters. */
	smp_mb__after_atomic();
	if (!sk_stream_is_writeable(sk) && !READ_ONCE(sk->sk_err) &&
	    !(READ_ONCE(sk->sk_shutdown) & SEND_SHUTDOWN))
		return false;
	/* If the wake-up took the flag first, it has queued the work. */
	return test_and_clear_bit(ZCOPY_SOCK_PARKED, &zs->flags);
}

/*
 * The timer's reference goes with the pass it queues, or is dropped if
 * one is queued already: once queued, the pass may run, end and drop
 * the last reference before this returns, so nothing here may touch the
 * registration after.
 */
static void zcopy_sock_retry_timer(struct timer_list *t)
{
	struct zcopy_sock *zs = from_timer(zs, t, retry);

	zcopy_sock_queue_work(zs);
	zcopy_fault_delay_timer();
}

/*
 * Space came back between a full send and the park, and
 * ZCOPY_PARK_RETRIES retries made no progress: the socket looks
 * writeable but takes nothing (TCP memory pressure, a memory cgroup at
 * its limit, a connect in progress) and may have nothing in flight whose
 * ACK would wake it.  So park without relying on a wake-up: a timer
 * tries again after ZCOPY_RETRY_DELAY too, as sk_stream_wait_memory()
 * does for a blocking sender, whichever comes first.
 */
static void zcopy_sock_retry_later(struct zcopy_sock *zs)
{
	zcopy_sock_get(zs);
	if (mod_timer(&zs->retry, jiffies + ZCOPY_RETRY_DELAY))
		zcopy_sock_put(zs);	/* was pending: it has its own */
	zcopy_sock_park(zs);
}

static void zcopy_sock_cancel_list(struct list_head *list)
{
	struct zcopy_xfer *x, *tmp;

	list_for_each_entry_safe(x, tmp, list, link) {
		list_del_init(&x->link);
		zcopy_xfer_finish(x, -ECANCELED);
	}
}

/*
 * Under zs->lock: the transfer at the head of the queue ended early and
 * is off it, so the stream lacks bytes the peer expects.  Move the
 * transfers queued behind it onto @list to complete cancelled, unless
 * they were submitted ZCOPY_F_INDEPENDENT, as a failed io_uring request
 * fails the rest of its link.  None of them has started: only the head
 * can have.  Marked cancelled, so that no CANCEL counts them.
 */
static void __zcopy_sock_cancel_behind(struct zcopy_sock *zs,
				       struct list_head *list)
{
	struct zcopy_xfer *x, *tmp;

	lockdep_assert_held(&zs->lock);
	list_for_each_entry_safe(x, tmp, &zs->queue, link) {
		if (x->flags & ZCOPY_F_INDEPENDENT ||
		    test_and_set_bit(ZCOPY_XFER_CANCEL, &x->state))
			continue;
		list_move_tail(&x->link, list);
	}
}

/*
 * One pass over the queue.  @budget: inline, what the pass may send
 * before it leaves the rest to the workqueue, which it also does with a
 * transfer that would have to wait for the file; NULL on the workqueue,
 * where the file's read may sleep.
 */
static void zcopy_sock_run(struct zcopy_sock *zs, u64 *budget)
{
	bool may_block = !budget;
	unsigned int retries = 0;
	LIST_HEAD(cancelled);
	struct zcopy_xfer *x;
	u64 pos;
	int ret;

	lockdep_assert_held(&zs->push_mtx);
	/* The folio's unlock queues the pass that goes on. */
	if (test_bit_acquire(ZCOPY_SOCK_DISK_WAIT, &zs->flags))
		return;
	clear_bit(ZCOPY_SOCK_PARKED, &zs->flags);
	for (;;) {
		spin_lock(&zs->lock);
		x = list_first_entry_or_null(&zs->queue, struct zcopy_xfer,
					     link);
		if (x)
			set_bit(ZCOPY_XFER_STARTED, &x->state);
		spin_unlock(&zs->lock);
		if (!x) {
			/* The last transfer's tail waited for a next one. */
			zcopy_send_uncork(zs);
			return;
		}

		pos = x->pos;
		ret = zcopy_send_xfer(x, zs, budget);
		if (!may_block)
			zcopy_stat_add(zs->ctx->stats, ZCOPY_A_STATS_BYTES_INLINE,
				       x->pos - pos);
		if (ret == ZCOPY_SEND_PARKED) {
			if (x->pos != pos)
				retries = 0;
			if (retries++ == ZCOPY_PARK_RETRIES) {
				zcopy_sock_retry_later(zs);
				return;
			}
			if (zcopy_sock_park(zs))
				continue;
			return;		/* until the socket wakes us */
		}
		if (ret == ZCOPY_SEND_DEFER) {
			/* The worker may wait on the file first. */
			zcopy_send_uncork(zs);
			zcopy_sock_kick(zs);
			return;
		}
		if (ret == ZCOPY_SEND_WAIT) {
			/* What is sent goes out while the disk reads. */
			zcopy_send_uncork(zs);
			return;
		}

		/*
		 * Off the queue under the lock, so that CANCEL either counted
		 * this transfer before (and it completes cancelled, whatever
		 * it sent) or does not see it at all.
		 */
		spin_lock(&zs->lock);
		list_del_init(&x->link);
		if (test_bit(ZCOPY_XFER_CANCEL, &x->state)) {
			/* CANCEL took what was behind it then, if it was to. */
			ret = -ECANCELED;
		} else {
			ret = zcopy_xfer_ended(x, ret);
			if (ret)
				__zcopy_sock_cancel_behind(zs, &cancelled);
		}
		spin_unlock(&zs->lock);
		zcopy_xfer_finish(x, ret);
		zcopy_sock_cancel_list(&cancelled);
		cond_resched();
	}
}

/*
 * Passes never wait for each other: one that finds another running asks
 * it to go round again (ZCOPY_SOCK_RERUN) and leaves, so no thread
 * sleeps on push_mtx.  Returns true if the caller holds push_mtx and may
 * run the pass.
 */
static bool zcopy_sock_begin(struct zcopy_sock *zs)
{
	if (!mutex_trylock(&zs->push_mtx)) {
		set_bit(ZCOPY_SOCK_RERUN, &zs->flags);
		/* Pairs with the barrier in zcopy_sock_end(). */
		smp_mb__after_atomic();
		/* The holder, a pass or unregistration, will see the bit. */
		if (!mutex_trylock(&zs->push_mtx))
			return false;
	}
	/* This pass looks at the queue after every request made so far. */
	clear_bit(ZCOPY_SOCK_RERUN, &zs->flags);
	return true;
}

/*
 * Returns true if another pass asked for one while this one ran.
 *
 * A pass that sees the socket unregistered, holding push_mtx, made the
 * registration's last send: no other runs, and every pass after it
 * sees the mark too, so sends nothing (zcopy_send_msg()).  It pushes
 * out a tail it held back and lets the socket go to another
 * registration (zcopy_sock_destroy() kicks one, so one always does).
 */
static bool zcopy_sock_end(struct zcopy_sock *zs)
{
	if (test_bit(ZCOPY_SOCK_DEAD, &zs->flags)) {
		zcopy_send_uncork(zs);
		zcopy_unclaim_socket(&zs->claim);
	}
	mutex_unlock(&zs->push_mtx);
	/*
	 * The unlock, then the look at the bit; a pass that failed its
	 * trylock set the bit before it: one of the two sees the other.
	 */
	smp_mb();
	return test_bit(ZCOPY_SOCK_RERUN, &zs->flags);
}

/*
 * A pass on the context's workqueue, one of at most
 * ZCOPY_USER_MAX_PASSES of the user's (claim.c): past that it waits,
 * without a thread, for one of them to end, which queues it again.
 */
static void zcopy_sock_work(struct work_struct *work)
{
	struct zcopy_sock *zs = container_of(work, struct zcopy_sock, work);
	struct zcopy_user *user = zs->claim.user;
	struct zcopy_sock *waiting;
	struct list_head *next;

	switch (zcopy_user_begin_pass(user, &zs->pass_wait)) {
	case ZCOPY_PASS_WAITING:
		return;
	case ZCOPY_PASS_QUEUED:
		zcopy_sock_put(zs);
		return;
	}
	zcopy_stat_add(zs->ctx->stats, ZCOPY_A_STATS_WORKER_PASSES, 1);
	while (zcopy_sock_begin(zs)) {
		zcopy_sock_run(zs, NULL);
		if (!zcopy_sock_end(zs))
			break;
		cond_resched();
	}
	next = zcopy_user_end_pass(user);
	if (next) {
		/* Its reference, the list's, goes with the queued work. */
		waiting = container_of(next, struct zcopy_sock, pass_wait);
		zcopy_sock_queue_work(waiting);
	}
	zcopy_sock_put(zs);
}

/*
 * Inline, in SUBMIT, with a reference held: send what can go now, up
 * to ZCOPY_INLINE_BUDGET bytes (one call moves a bounded amount; the
 * workqueue sends the rest).  If another pass holds the socket, it goes
 * round again for the new transfer.  A parked socket is left to its
 * wake-up, and one waiting for the disk to the end of the read.  A
 * request for another pass made meanwhile goes to the workqueue: it may
 * be for work that has to wait for the file.
 */
void zcopy_sock_push_now(struct zcopy_sock *zs)
{
	u64 budget = ZCOPY_INLINE_BUDGET;

	if (test_bit(ZCOPY_SOCK_PARKED, &zs->flags) ||
	    test_bit_acquire(ZCOPY_SOCK_DISK_WAIT, &zs->flags))
		return;
	/*
	 * A call of the socket's owner holds its lock (a send that faults
	 * on a page a FUSE server never brings holds it for good): leave
	 * the wait to the workqueue, not to SUBMIT.  Only a look: the lock
	 * may still be taken between it and the send.
	 */
	if (data_race(sock_owned_by_user_nocheck(zs->sock->sk))) {
		zcopy_sock_kick(zs);
		return;
	}
	if (!zcopy_sock_begin(zs))
		return;
	zcopy_sock_run(zs, &budget);
	if (zcopy_sock_end(zs))
		zcopy_sock_kick(zs);
}

/* Write space, error or hang-up on the socket: resume a parked pass. */
static int zcopy_sock_wake(struct wait_queue_entry *wait, unsigned int mode,
			   int sync, void *key)
{
	struct zcopy_sock *zs = container_of(wait, struct zcopy_sock, wait);
	__poll_t events = key_to_poll(key);

	if (events && !(events & (EPOLLOUT | EPOLLERR | EPOLLHUP)))
		return 0;	/* data to read: not our business */
	if (test_and_clear_bit(ZCOPY_SOCK_PARKED, &zs->flags))
		zcopy_sock_kick(zs);
	return 0;
}

/*
 * The folio the head transfer waits for was unlocked: its read ended
 * (or whoever held it let go).  Queue the pass, which looks again, with
 * the reference the wait held.  Called by folio_unlock() with the
 * folio's wait queue locked, in any context, for every folio of the
 * hashed queue: only ours concerns us.
 */
static int zcopy_sock_folio_wake(struct wait_queue_entry *wait,
				 unsigned int mode, int sync, void *key)
{
	struct zcopy_sock *zs = container_of(wait, struct zcopy_sock,
					     disk.wait);

	if (!wake_page_match(&zs->disk, key))
		return 0;
	list_del_init(&wait->entry);
	zcopy_stat_add(zs->ctx->stats, ZCOPY_A_STATS_DISK_WAITING, -1);
	/*
	 * After the entry is off the queue: a pass that sees the bit clear
	 * (test_bit_acquire()) may put it on another.
	 */
	clear_bit_unlock(ZCOPY_SOCK_DISK_WAIT, &zs->flags);
	zcopy_sock_queue_work(zs);
	return 1;
}

/*
 * What sendfile() would demand of the same descriptor: open for writing.
 * Only TCP takes page references through the paths the engine uses, and
 * only while nothing has replaced its protocol (kTLS, sockmap): those
 * clear SOCK_SUPPORT_ZC, which the engine checks again at every send.
 */
static int zcopy_check_socket(struct file *file)
{
	struct socket *sock = sock_from_file(file);
	struct sock *sk;

	if (!sock)
		return -ENOTSOCK;
	if (!(file->f_mode & FMODE_WRITE))
		return -EBADF;
	sk = sock->sk;
	if (!sk || sk->sk_type != SOCK_STREAM ||
	    sk->sk_protocol != IPPROTO_TCP ||
	    (sk->sk_family != AF_INET && sk->sk_family != AF_INET6) ||
	    !test_bit(SOCK_SUPPORT_ZC, &sock->flags))
		return -EOPNOTSUPP;
	return 0;
}

/*
 * Make the registration of socket @fd in @ctx.  It holds a reference to
 * the socket's file, so the socket, and the wait queue our entry is on,
 * live until the registration is freed.
 */
struct zcopy_sock *zcopy_sock_create(struct zcopy_ctx *ctx, int fd)
{
	struct zcopy_sock *zs;
	struct file *file;
	int ret;

	file = fget(fd);
	if (!file)
		return ERR_PTR(-EBADF);
	ret = zcopy_check_socket(file);
	if (ret)
		goto out_fput;
	zs = kzalloc(sizeof(*zs), GFP_KERNEL_ACCOUNT);
	if (!zs) {
		ret = -ENOMEM;
		goto out_fput;
	}
	zs->item.file = file;
	zs->item.fd = fd;
	zs->sock = sock_from_file(file);
	zs->ctx = ctx;
	zcopy_ctx_get(ctx);
	refcount_set(&zs->ref, 1);
	spin_lock_init(&zs->lock);
	INIT_LIST_HEAD(&zs->queue);
	mutex_init(&zs->push_mtx);
	mutex_init(&zs->send_mtx);
	INIT_WORK(&zs->work, zcopy_sock_work);
	INIT_LIST_HEAD(&zs->pass_wait);
	timer_setup(&zs->retry, zcopy_sock_retry_timer, 0);
	init_waitqueue_func_entry(&zs->wait, zcopy_sock_wake);
	init_waitqueue_func_entry(&zs->disk.wait, zcopy_sock_folio_wake);
	zs->whead = sk_sleep(zs->sock->sk);
	add_wait_queue(zs->whead, &zs->wait);
	zcopy_stat_add(ctx->stats, ZCOPY_A_STATS_SOCKETS, 1);
	return zs;

out_fput:
	fput(file);
	return ERR_PTR(ret);
}

/* Append @x to the queue; zcopy_sock_push_now() or a pass sends it. */
void zcopy_sock_queue(struct zcopy_sock *zs, struct zcopy_xfer *x)
{
	spin_lock(&zs->lock);
	list_add_tail(&x->link, &zs->queue);
	spin_unlock(&zs->lock);
}

/*
 * Cancel the queued transfers whose user_data is *@user_data (all of
 * them if it is NULL).  One not yet started completes here; the one a
 * pass is sending stops at its next chunk, in the pass.  Either way
 * each one counted completes with -ECANCELED, and is counted once: it
 * is still on the queue, under zs->lock, and its CANCEL bit was clear.
 * What is queued behind a cancelled transfer now is cancelled with it,
 * here, uncounted unless it matches, except ZCOPY_F_INDEPENDENT ones.
 * Returns how many matched.
 */
static unsigned int zcopy_sock_cancel_some(struct zcopy_sock *zs,
					   const u64 *user_data)
{
	bool kick = false, behind = false, head = false;
	struct zcopy_xfer *x, *tmp;
	unsigned int n = 0;
	LIST_HEAD(cancelled);

	spin_lock(&zs->lock);
	list_for_each_entry(x, &zs->queue, link) {
		if (user_data && x->event.cqe.user_data != *user_data)
			continue;
		if (test_and_set_bit(ZCOPY_XFER_CANCEL, &x->state))
			continue;	/* counted by an earlier CANCEL */
		n++;
		head |= test_bit(ZCOPY_XFER_STARTED, &x->state);
	}
	/*
	 * Those not started, with what is behind them, complete here; the
	 * one a pass started completes in the pass, which is kicked in case
	 * it is parked.
	 */
	list_for_each_entry_safe(x, tmp, &zs->queue, link) {
		if (test_bit(ZCOPY_XFER_STARTED, &x->state)) {
			kick = true;
			behind = head;	/* cancelled by this call */
			continue;
		}
		if (!test_bit(ZCOPY_XFER_CANCEL, &x->state) &&
		    (!behind || x->flags & ZCOPY_F_INDEPENDENT))
			continue;
		set_bit(ZCOPY_XFER_CANCEL, &x->state);
		list_move_tail(&x->link, &cancelled);
		behind = true;
	}
	spin_unlock(&zs->lock);
	if (kick)
		zcopy_sock_kick(zs);
	zcopy_sock_cancel_list(&cancelled);
	return n;
}

unsigned int zcopy_sock_cancel(struct zcopy_sock *zs, u64 user_data)
{
	return zcopy_sock_cancel_some(zs, &user_data);
}

/*
 * Unregister, without waiting for anything a user controls (see the top
 * of this file): after this, no new send starts, no wake-up of the
 * socket queues a pass, and every queued transfer completes cancelled,
 * now or when the pass holding it gets back from the file or the
 * socket's lock.
 *
 * The socket can be registered again once no send of this registration
 * can be under way: at once if no pass runs and no tail held back with
 * MSG_MORE waits to be pushed out; else a pass lets it go when it ends
 * (zcopy_sock_end()), which may be after a send that waits for the
 * socket's lock behind its owner's own send.  It counts against its
 * user until it is freed (claim.c).
 */
void zcopy_sock_destroy(struct zcopy_sock *zs)
{
	bool let_go = false;

	remove_wait_queue(zs->whead, &zs->wait);
	set_bit(ZCOPY_SOCK_DEAD, &zs->flags);
	zcopy_sock_cancel_some(zs, NULL);
	/* Holding push_mtx, as a pass would: see zcopy_sock_end(). */
	if (mutex_trylock(&zs->push_mtx)) {
		if (!READ_ONCE(zs->corked)) {
			zcopy_unclaim_socket(&zs->claim);
			let_go = true;
		}
		mutex_unlock(&zs->push_mtx);
		/* A pass that found it taken left its work to us. */
		smp_mb();
		if (test_bit(ZCOPY_SOCK_RERUN, &zs->flags))
			let_go = false;
	}
	if (!let_go)
		zcopy_sock_kick(zs);
	zcopy_stat_add(zs->ctx->stats, ZCOPY_A_STATS_SOCKETS, -1);
	zcopy_sock_put(zs);
}
