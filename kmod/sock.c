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
 * Every pass runs in a thread of the application, never in one of the
 * kernel's, so that what it costs (CPU time, memory, I/O) is charged
 * where the submitter's own sendfile() would be charged, and what it
 * reads (procfs, sysfs: the namespaces) is what that sendfile() would
 * read.  Where, cheapest first:
 *
 *  - inline, in SUBMIT: what the page cache holds goes to the socket at
 *    once, without a thread hop (zcopy_sock_push_now()), up to the
 *    call's budget; past it, in the budget of the application's next
 *    SUBMIT or read() (zcopy_sock_later());
 *  - deferred, in the thread that submitted the transfer at the head of
 *    the queue, as task work (zcopy_sock_queue_work()), which it runs on
 *    its way back to user space: a pass resumed by the socket or the
 *    disk, one that starts reads.  It runs as the submitter (owner.c) and does not sleep on
 *    the file or on the socket's lock;
 *  - a step that may sleep in the file's own read (FUSE, network
 *    filesystems, procfs, character devices, O_DIRECT), in a thread lent
 *    to the context (lend.c), or, with none lent, in the submitter's,
 *    where its sendfile() would have run it.
 *
 * A pass in one thread that finds the next transfer submitted by
 * another hands the queue on to that one.  A thread that exited runs no
 * more passes: another live thread of its process takes its transfers
 * over; once the whole process is gone, they are cancelled, and the
 * queue goes on in the thread of the next transfer's submitter.
 *
 * When the send buffer fills, the pass returns and nothing waits: at
 * registration an entry was put on the socket's wait queue, as epoll
 * does, and TCP wakes it when space frees up (or on error or hang-up).
 * The wake-up callback runs in softirq and only queues a pass, and
 * only when a pass parked (ZCOPY_SOCK_PARKED): the wake-ups a socket
 * gets while a pass is sending cost nothing.
 *
 * When the next bytes are on their way from the disk, the pass returns
 * too, and nothing waits either: an entry on the folio's wait queue,
 * which the end of the read wakes as it unlocks the folio, queues a
 * pass (ZCOPY_SOCK_DISK_WAIT; send.c).
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
 * trylock; task_lock, a leaf, in any of them or none.  The full list,
 * with the folio's and the socket's wait-queue locks under which the
 * wake-ups run, is LOCKING in ctx.c.
 */

#include <linux/file.h>
#include <linux/net.h>
#include <linux/poll.h>
#include <linux/sizes.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/task_work.h>
#include <net/sock.h>

#include "compat.h"
#include "ctx.h"
#include "fault.h"
#include "ktls.h"
#include "limits.h"
#include "send.h"
#include "sock.h"
#include "stats.h"
#include "xfer.h"

void zcopy_sock_get(struct zcopy_sock *zs)
{
	refcount_inc(&zs->ref);
}

static void zcopy_sock_free(struct zcopy_sock *zs)
{
	struct zcopy_ctx *ctx = zs->ctx;

	/* Every transfer completed before the last pass let go. */
	WARN_ON_ONCE(!list_empty(&zs->queue));
	zcopy_release_socket(&zs->claim);
	if (zs->tls_watch)
		zcopy_ktls_watch_orphan(zs->tls_watch);
	put_task_struct(zs->task);
	fput(zs->item.file);
	kfree(zs);
	zcopy_ctx_put(ctx);
}

/* Process context: the free takes the claims lock. */
void zcopy_sock_put(struct zcopy_sock *zs)
{
	if (refcount_dec_and_test(&zs->ref))
		zcopy_sock_free(zs);
}

static void zcopy_sock_free_work(struct work_struct *work)
{
	struct zcopy_sock *zs = container_of(work, struct zcopy_sock,
					     free_work);

	zcopy_work_kcov(zs->ctx);
	zcopy_sock_free(zs);
	kcov_remote_stop();
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
	INIT_WORK(&zs->free_work, zcopy_sock_free_work);
	queue_work(zcopy_wq, &zs->free_work);
}

/*
 * The thread deferred passes run in from now on: the submitter of the
 * transfer at the head of the queue.  Process context.
 */
static void zcopy_sock_set_task(struct zcopy_sock *zs,
				struct task_struct *task)
{
	struct task_struct *old;
	unsigned long flags;

	if (READ_ONCE(zs->task) == task)
		return;
	get_task_struct(task);
	spin_lock_irqsave(&zs->task_lock, flags);
	old = zs->task;
	WRITE_ONCE(zs->task, task);
	spin_unlock_irqrestore(&zs->task_lock, flags);
	put_task_struct(old);
}

/*
 * Queue a deferred pass with a reference the caller passes on; if one
 * is queued already, the caller's goes.  Any context.
 *
 * It goes to the thread of the head transfer's submitter, which runs it
 * on its way back to user space, as io_uring runs its retries: with
 * TWA_SIGNAL, so that a thread asleep in a call is woken for it (the
 * call is restarted, or returns EINTR where it would for a signal, as
 * epoll_wait() does).  A thread past running task work has exited: the
 * pass then runs on the module's workqueue, only to hand the exited
 * thread's transfers on to its process's live threads (or cancel them,
 * if there are none) and the rest to their submitters.
 */
static void zcopy_sock_queue_work(struct zcopy_sock *zs)
{
	unsigned long flags;
	int ret;

	if (test_and_set_bit(ZCOPY_SOCK_QUEUED, &zs->flags)) {
		zcopy_sock_put_atomic(zs);
		return;
	}
	spin_lock_irqsave(&zs->task_lock, flags);
	ret = task_work_add(zs->task, &zs->task_work, TWA_SIGNAL);
	spin_unlock_irqrestore(&zs->task_lock, flags);
	if (ret)
		queue_work(zcopy_wq, &zs->exit_work);
}

/* Make sure a deferred pass will see the queue. */
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
	/* If the wake-up took the flag first, it has queued the pass. */
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
 * ACK would wake it.  Or its owner holds its lock, and no wake-up comes
 * when it lets go.  So park without relying on a wake-up: a timer tries
 * again after ZCOPY_RETRY_DELAY too, as sk_stream_wait_memory() does for
 * a blocking sender, whichever comes first.
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
 * Whether a call of the socket's owner holds the socket's lock (a send()
 * faulting on a page a FUSE server never brings holds it for good).
 */
static bool zcopy_sock_owner_busy(struct zcopy_sock *zs)
{
	/* Only a look, unlocked: the lock may still be taken before the send. */
	return data_race(sock_owned_by_user_nocheck(zs->sock->sk)) ||
	       (zs->ktls && zcopy_ktls_busy(zs->sock));
}

/* Where a pass runs (see the top of this file). */
enum zcopy_pass {
	ZCOPY_PASS_INLINE,	/* in SUBMIT: what goes now, within a budget */
	ZCOPY_PASS_TASK,	/* in the submitter's thread: no read sleeps */
	ZCOPY_PASS_TASK_BLOCK,	/* there, reads that may sleep too */
	ZCOPY_PASS_LENT,	/* in a lent thread: reads that may sleep */
	ZCOPY_PASS_EXIT,	/* the submitter exited: wind down */
};

/* What a pass leaves to do (zcopy_sock_run()). */
enum {
	ZCOPY_LEFT_NONE,
	ZCOPY_LEFT_KICK,	/* a deferred pass, in the submitter's thread */
	ZCOPY_LEFT_BLOCK,	/* a pass that may sleep in the file's read */
	ZCOPY_LEFT_LATER,	/* inline, the call's budget ran out: the next call */
};

/* Whether, and how, a pass in @mode may sleep in the file's own read. */
static enum zcopy_block zcopy_pass_block(enum zcopy_pass mode)
{
	if (mode == ZCOPY_PASS_LENT)
		return ZCOPY_BLOCK_LENT;
	if (mode == ZCOPY_PASS_TASK_BLOCK)
		return ZCOPY_BLOCK_TASK_WORK;
	return ZCOPY_NO_BLOCK;
}

/*
 * Push out a tail held back with MSG_MORE (zcopy_send_uncork()), unless
 * the pass must not wait for the socket's lock (all but those that may
 * block, and none on a kTLS socket) and a call of the socket's owner
 * holds it: then the retry timer comes back for it.  Returns false if
 * the tail was left.
 */
static bool zcopy_sock_uncork(struct zcopy_sock *zs, enum zcopy_pass mode)
{
	/* kTLS's flush waits for its mutex in any mode, uninterruptibly. */
	if ((zcopy_pass_block(mode) == ZCOPY_NO_BLOCK || zs->ktls) &&
	    READ_ONCE(zs->corked) && zcopy_sock_owner_busy(zs)) {
		zcopy_sock_retry_later(zs);
		return false;
	}
	zcopy_send_uncork(zs);
	return true;
}

/*
 * The head transfer's submitter is exiting: a live thread of its process
 * takes the transfer over, this one if it can.  Under push_mtx; the
 * owner changes under zs->lock, where CANCEL looks at it.  Returns
 * false if the whole process is gone.
 */
static bool zcopy_sock_reown(struct zcopy_sock *zs, struct zcopy_xfer *x)
{
	struct task_struct *old = x->owner.task, *heir = NULL, *t;

	rcu_read_lock();
	if (same_thread_group(current, old) && !(current->flags & PF_EXITING))
		heir = current;
	else
		for_each_thread(old, t)
			if (!(t->flags & PF_EXITING)) {
				heir = t;
				break;
			}
	if (heir)
		get_task_struct(heir);
	rcu_read_unlock();
	if (!heir)
		return false;
	spin_lock(&zs->lock);
	x->owner.task = heir;
	spin_unlock(&zs->lock);
	put_task_struct(old);
	return true;
}

/*
 * Whether @x's next step may run in this pass: in the thread of its
 * submitter, or in a thread lent to the context for it.  A pass winding
 * down after a thread's exit runs nothing: it hands the transfers on to
 * live threads of their processes, and cancels those of processes that
 * are gone.
 */
static bool zcopy_sock_runs_here(const struct zcopy_xfer *x,
				 enum zcopy_pass mode)
{
	if (mode == ZCOPY_PASS_LENT)
		return true;
	return mode != ZCOPY_PASS_EXIT && x->owner.task == current;
}

/*
 * Whether @x, queued behind @head, may have its first pages read now,
 * while @head waits for the disk: a file that zcopy_read_behind() reads
 * for, submitted as @head's submitter (the reads are charged to it),
 * not ZCOPY_F_DONTCACHE (it reads only as it goes), and not into pages
 * a ZCOPY_F_DONTCACHE @head of the same file would drop as its own.
 */
static bool zcopy_sock_reads_behind(const struct zcopy_xfer *head,
				    const struct zcopy_xfer *x)
{
	if (!x->file || x->flags & ZCOPY_F_DONTCACHE ||
	    x->owner.ident != head->owner.ident)
		return false;
	return !(head->flags & ZCOPY_F_DONTCACHE) ||
	       head->file->f_mapping != x->file->f_mapping;
}

/*
 * The head transfer @head waits for the disk: start the reads of the
 * ZCOPY_READ_BEHIND transfers queued next behind it, the first pages of
 * each, so that the device reads theirs while it reads the head's
 * (pipelined requests, a response's several ranges) instead of one
 * after the other.  Never further back, however often the head waits,
 * and each once.  Under push_mtx, in a deferred pass: the transfers may
 * be cancelled meanwhile, so their files are held.
 */
static void zcopy_sock_read_behind(struct zcopy_sock *zs,
				   struct zcopy_xfer *head)
{
	struct {
		struct file *file;
		u64 pos, end;
	} next[ZCOPY_READ_BEHIND];
	struct zcopy_owner_saved saved;
	unsigned int seen = 0, n = 0, i;
	struct zcopy_xfer *x;

	lockdep_assert_held(&zs->push_mtx);
	spin_lock(&zs->lock);
	list_for_each_entry(x, &zs->queue, link) {
		if (x == head)
			continue;
		if (seen++ == ZCOPY_READ_BEHIND)
			break;
		if (!zcopy_sock_reads_behind(head, x) ||
		    test_and_set_bit(ZCOPY_XFER_READ_BEHIND, &x->state))
			continue;
		next[n].file = get_file(x->file);
		next[n].pos = x->pos;
		next[n].end = x->range.end;
		n++;
	}
	spin_unlock(&zs->lock);
	if (!n)
		return;
	zcopy_owner_enter(&head->owner, &saved);
	for (i = 0; i < n; i++) {
		zcopy_read_behind(next[i].file, next[i].pos, next[i].end);
		fput(next[i].file);
	}
	zcopy_owner_leave(&head->owner, &saved);
}

/*
 * One pass over the queue, in @mode.  Inline, @budget is what the call
 * may still spend, on sends and on the reads it leaves a deferred pass
 * to start, before the rest waits for its next call; NULL elsewhere.
 * Returns what is left to do.
 */
static int zcopy_sock_run(struct zcopy_sock *zs, enum zcopy_pass mode,
			  u64 *budget)
{
	enum zcopy_block block = zcopy_pass_block(mode);
	unsigned int retries = 0;
	LIST_HEAD(cancelled);
	struct zcopy_xfer *x;
	u64 pos;
	int ret;

	lockdep_assert_held(&zs->push_mtx);
	/* The folio's unlock queues the pass that goes on. */
	if (test_bit_acquire(ZCOPY_SOCK_DISK_WAIT, &zs->flags))
		return ZCOPY_LEFT_NONE;
	clear_bit(ZCOPY_SOCK_PARKED, &zs->flags);
	/*
	 * The submitter's thread does not wait for the socket's lock while
	 * another call of its owner holds it: it looks again later.
	 */
	if (mode == ZCOPY_PASS_TASK && zcopy_sock_owner_busy(zs)) {
		zcopy_sock_retry_later(zs);
		return ZCOPY_LEFT_NONE;
	}
	for (;;) {
		spin_lock(&zs->lock);
		x = list_first_entry_or_null(&zs->queue, struct zcopy_xfer,
					     link);
		if (x)
			set_bit(ZCOPY_XFER_STARTED, &x->state);
		spin_unlock(&zs->lock);
		if (!x) {
			/* The last transfer's tail waited for a next one. */
			zcopy_sock_uncork(zs, mode);
			return ZCOPY_LEFT_NONE;
		}

		/* Wake-ups go to the thread whose transfer is at the head. */
		if (mode == ZCOPY_PASS_LENT)
			zcopy_sock_set_task(zs, x->owner.task);
		if (mode != ZCOPY_PASS_INLINE &&
		    x->owner.task->flags & PF_EXITING &&
		    !zcopy_sock_reown(zs, x)) {
			ret = -ECANCELED;	/* its process is gone */
			goto ended;
		}
		if (!zcopy_sock_runs_here(x, mode)) {
			/* Its submitter's thread goes on. */
			zcopy_sock_set_task(zs, x->owner.task);
			zcopy_sock_uncork(zs, mode);
			return ZCOPY_LEFT_KICK;
		}
		pos = x->pos;
		ret = zcopy_send_xfer(x, zs, budget, block);
		if (budget)
			zcopy_stat_add(zs->ctx->stats, ZCOPY_A_STATS_BYTES_INLINE,
				       x->pos - pos);
		if (ret == ZCOPY_SEND_PARKED) {
			if (x->pos != pos)
				retries = 0;
			if (retries++ == ZCOPY_PARK_RETRIES) {
				zcopy_sock_retry_later(zs);
				return ZCOPY_LEFT_NONE;
			}
			if (zcopy_sock_park(zs))
				continue;
			return ZCOPY_LEFT_NONE;	/* until the socket wakes us */
		}
		if (ret == ZCOPY_SEND_DEFER) {
			/* A deferred pass goes on, or one that may wait on the file. */
			zcopy_sock_uncork(zs, mode);
			if (!budget)
				return ZCOPY_LEFT_BLOCK;
			if (!*budget)
				return ZCOPY_LEFT_LATER;
			/*
			 * The deferred pass usually starts the file's read,
			 * on the caller's way back to user space, at a CPU
			 * cost that grows with its size as a send's does: the
			 * call pays for it as for a send, so that one SUBMIT
			 * of a thousand cold files does not start all their
			 * reads.
			 */
			*budget -= min(*budget, zcopy_read_window(x));
			return ZCOPY_LEFT_KICK;
		}
		if (ret == ZCOPY_SEND_WAIT) {
			/* What is sent goes out while the disk reads. */
			zcopy_sock_uncork(zs, mode);
			if (!budget)	/* only deferred passes start reads */
				zcopy_sock_read_behind(zs, x);
			return ZCOPY_LEFT_NONE;
		}
ended:
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
 * registration (zcopy_sock_destroy() kicks one, so one always does;
 * a pass that may not wait for the socket's lock leaves both to the
 * retry timer's, if the socket's owner holds it).
 */
static bool zcopy_sock_end(struct zcopy_sock *zs, enum zcopy_pass mode)
{
	if (test_bit(ZCOPY_SOCK_DEAD, &zs->flags) &&
	    zcopy_sock_uncork(zs, mode))
		zcopy_unclaim_socket(&zs->claim);
	mutex_unlock(&zs->push_mtx);
	/*
	 * The unlock, then the look at the bit; a pass that failed its
	 * trylock set the bit before it: one of the two sees the other.
	 */
	smp_mb();
	return test_bit(ZCOPY_SOCK_RERUN, &zs->flags);
}

/*
 * Deferred passes in @mode, for as long as others ask for one.  Returns
 * what the last left to do: a request made meanwhile is covered by the
 * pass that does it.
 */
static int zcopy_sock_passes(struct zcopy_sock *zs, enum zcopy_pass mode)
{
	int left = ZCOPY_LEFT_NONE;

	zcopy_stat_add(zs->ctx->stats, ZCOPY_A_STATS_WORKER_PASSES, 1);
	while (zcopy_sock_begin(zs)) {
		left = zcopy_sock_run(zs, mode, NULL);
		if (!zcopy_sock_end(zs, mode) || left != ZCOPY_LEFT_NONE)
			break;
		cond_resched();
	}
	return left;
}

/*
 * A deferred pass, with the reference it was queued with: in the thread
 * of the head transfer's submitter, or, once that thread is exiting, to
 * wind down.  A step that may sleep in the file's read goes to a thread
 * lent to the context (lend.c); with none lent, it runs here, where the
 * submitter's sendfile() would have run it.
 */
static void zcopy_sock_deferred(struct zcopy_sock *zs, bool exiting)
{
	int left;

	clear_bit(ZCOPY_SOCK_QUEUED, &zs->flags);
	/*
	 * Pairs with the test_and_set_bit() of the next queueing: what was
	 * asked after the bit was seen set is seen by this pass.
	 */
	smp_mb__after_atomic();
	/* Sends that waited for a call's budget go on in this pass. */
	zcopy_sock_undefer(zs);
	left = zcopy_sock_passes(zs, exiting ? ZCOPY_PASS_EXIT :
					       ZCOPY_PASS_TASK);
	if (left == ZCOPY_LEFT_BLOCK) {
		zcopy_sock_get(zs);
		if (zcopy_lent_queue(&zs->ctx->lent, zs)) {
			left = ZCOPY_LEFT_NONE;
		} else {
			zcopy_sock_put(zs);
			left = zcopy_sock_passes(zs, ZCOPY_PASS_TASK_BLOCK);
		}
	}
	if (left != ZCOPY_LEFT_NONE)
		zcopy_sock_kick(zs);
	/*
	 * Maybe the last reference, and the context's: its free waits for
	 * a grace period (zcopy_ctx_put()), so that this code is left
	 * before the module can go.  The free does not sleep.
	 */
	rcu_read_lock();
	zcopy_sock_put(zs);
	rcu_read_unlock();
}

static void zcopy_sock_task_pass(struct callback_head *head)
{
	struct zcopy_sock *zs = container_of(head, struct zcopy_sock,
					     task_work);

	zcopy_sock_deferred(zs, current->flags & PF_EXITING);
}

static void zcopy_sock_exit_pass(struct work_struct *work)
{
	struct zcopy_sock *zs = container_of(work, struct zcopy_sock,
					     exit_work);

	zcopy_work_kcov(zs->ctx);
	zcopy_sock_deferred(zs, true);
	kcov_remote_stop();
}

/* In a lent thread (lend.c), with the reference its queue held. */
void zcopy_sock_lent_pass(struct zcopy_sock *zs)
{
	if (zcopy_sock_passes(zs, ZCOPY_PASS_LENT) != ZCOPY_LEFT_NONE)
		zcopy_sock_kick(zs);
	zcopy_sock_put(zs);
}

/*
 * The call's inline budget is spent: the pass waits, with a reference,
 * for the budget of the application's next SUBMIT or read(), or for
 * the context's watchdog (ctx.c).  With no reader left, a deferred pass
 * winds it down.
 */
static void zcopy_sock_later(struct zcopy_sock *zs)
{
	int ret;

	zcopy_sock_get(zs);
	ret = zcopy_events_defer(&zs->ctx->ev, &zs->later_link);
	if (ret == -ESHUTDOWN)
		zcopy_sock_queue_work(zs);
	else if (ret)
		zcopy_sock_put(zs);
}

/*
 * Off the deferred list, with the reference it held: a deferred pass
 * goes on with the socket now, or it was unregistered.
 */
void zcopy_sock_undefer(struct zcopy_sock *zs)
{
	if (zcopy_events_undefer(&zs->ctx->ev, &zs->later_link))
		zcopy_sock_put(zs);
}

/*
 * A deferred pass in the submitter's thread, with the caller's
 * reference: for a socket no lent thread is left to run (lend.c), or
 * one the context's watchdog took off the deferred list (ctx.c).
 */
void zcopy_sock_resume(struct zcopy_sock *zs)
{
	zcopy_sock_queue_work(zs);
}

/*
 * Inline, with a reference held, in SUBMIT or in a call that goes on
 * with what an earlier one's budget left: send what can go now, up to
 * the call's @budget of bytes, which it spends, as it does on the read
 * it leaves a deferred pass to start (zcopy_sock_run()).  What could go
 * on past it waits for the next call's (zcopy_sock_later()), so that no
 * call holds its caller for long.  If another pass holds the socket, it
 * goes round again for the new transfer.  A parked socket is left to
 * its wake-up, and one waiting for the disk to the end of the read.
 * Otherwise a request for another pass made meanwhile goes to a
 * deferred pass: it may be for work that has to wait for the file.
 */
void zcopy_sock_push_now(struct zcopy_sock *zs, u64 *budget)
{
	bool rerun;
	int left;

	if (test_bit(ZCOPY_SOCK_PARKED, &zs->flags) ||
	    test_bit_acquire(ZCOPY_SOCK_DISK_WAIT, &zs->flags))
		return;
	/*
	 * A call of the socket's owner holds its lock: leave the wait to a
	 * deferred pass, which does not sleep for it either.
	 */
	if (zcopy_sock_owner_busy(zs)) {
		zcopy_sock_kick(zs);
		return;
	}
	if (!*budget) {
		zcopy_sock_later(zs);
		return;
	}
	if (!zcopy_sock_begin(zs))
		return;
	left = zcopy_sock_run(zs, ZCOPY_PASS_INLINE, budget);
	rerun = zcopy_sock_end(zs, ZCOPY_PASS_INLINE);
	if (left == ZCOPY_LEFT_LATER)
		zcopy_sock_later(zs);
	else if (rerun || left != ZCOPY_LEFT_NONE)
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
	if (zs->tls_watch)
		zcopy_ktls_watch_kick(zs->tls_watch);
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
 * only while nothing has replaced its protocol (a ULP, sockmap): those
 * clear SOCK_SUPPORT_ZC, which the engine checks again at every send.
 * The one replacement taken is software kTLS with transmit keys set
 * (ktls.c), which takes references of its own; *@ktls says so.
 */
static int zcopy_check_socket(struct file *file, bool *ktls)
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
	    (sk->sk_family != AF_INET && sk->sk_family != AF_INET6))
		return -EOPNOTSUPP;
	*ktls = !test_bit(SOCK_SUPPORT_ZC, &sock->flags);
	return *ktls ? zcopy_ktls_check(sock) : 0;
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
	bool ktls;
	int ret;

	file = fget(fd);
	if (!file)
		return ERR_PTR(-EBADF);
	ret = zcopy_check_socket(file, &ktls);
	if (ret)
		goto out_fput;
	zs = kzalloc(sizeof(*zs), GFP_KERNEL_ACCOUNT);
	if (!zs) {
		ret = -ENOMEM;
		goto out_fput;
	}
	if (ktls) {
		zs->tls_watch = zcopy_ktls_watch_create(sock_from_file(file));
		if (!zs->tls_watch) {
			kfree(zs);
			ret = -ENOMEM;
			goto out_fput;
		}
	}
	zs->item.file = file;
	zs->item.fd = fd;
	zs->sock = sock_from_file(file);
	zs->ktls = ktls;
	zs->ctx = ctx;
	zcopy_ctx_get(ctx);
	refcount_set(&zs->ref, 1);
	spin_lock_init(&zs->lock);
	INIT_LIST_HEAD(&zs->queue);
	mutex_init(&zs->push_mtx);
	mutex_init(&zs->send_mtx);
	spin_lock_init(&zs->task_lock);
	zs->task = get_task_struct(current);
	init_task_work(&zs->task_work, zcopy_sock_task_pass);
	INIT_WORK(&zs->exit_work, zcopy_sock_exit_pass);
	INIT_LIST_HEAD(&zs->lent_link);
	INIT_LIST_HEAD(&zs->later_link);
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

/*
 * Append the transfers on @xfers to the queue, together: the entries of
 * a response (ctx.c), under the ev.mtx hold that found @zs registered.
 * zcopy_sock_push_now() or a pass sends them.  At the head, their
 * submitter's thread runs the deferred passes from now.
 */
void zcopy_sock_queue(struct zcopy_sock *zs, struct list_head *xfers)
{
	bool head;

	lockdep_assert_held(&zs->ctx->ev.mtx);
	spin_lock(&zs->lock);
	head = list_empty(&zs->queue);
	list_splice_tail_init(xfers, &zs->queue);
	spin_unlock(&zs->lock);
	/* They may be gone already (a lent thread's pass): current's. */
	if (head)
		zcopy_sock_set_task(zs, current);
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
	struct task_struct *next;
	struct zcopy_xfer *x, *tmp;
	unsigned int n = 0;
	LIST_HEAD(cancelled);

	spin_lock(&zs->lock);
	list_for_each_entry(x, &zs->queue, link) {
		if (user_data && x->event.cqe.user_data != *user_data)
			continue;
		if (test_and_set_bit(ZCOPY_XFER_CANCEL, &x->state))
			continue;	/* counted by an earlier CANCEL */
		/*
		 * A group has one record: counted once (its leader lives
		 * while a member is queued).
		 */
		if (!x->group ||
		    !test_and_set_bit(ZCOPY_XFER_GROUP_COUNTED, &x->group->state))
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
	/* The head may have gone: wake-ups go to the new one's thread. */
	x = list_first_entry_or_null(&zs->queue, struct zcopy_xfer, link);
	next = x && !list_empty(&cancelled) ? get_task_struct(x->owner.task) :
					       NULL;
	spin_unlock(&zs->lock);
	if (next) {
		zcopy_sock_set_task(zs, next);
		put_task_struct(next);
	}
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
	/* Not worth a call's budget now; this registration's ref remains. */
	zcopy_sock_undefer(zs);
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
