// SPDX-License-Identifier: GPL-2.0
/*
 * Threads lent to a context.
 *
 * Some reads cannot be made asynchronous: FUSE, network filesystems,
 * procfs and sysfs, character devices, O_DIRECT and tmpfs pages in swap
 * go through the file's own read, which sleeps for as long as the file
 * likes.  The module runs no thread of its own for a user, so such a
 * step runs in a thread of the application: one it lends to the context
 * with ZCOPY_IOC_LEND (libzcopy starts one), as a FUSE or ublk server
 * lends its threads to the kernel.  A lent thread is the application's
 * own: its CPU time, cgroups, namespaces, nice level and limits apply,
 * and a signal takes it back.  With no thread lent, the step runs in the
 * submitting thread on its way back to user space, where sendfile()
 * would have run it (sock.c).
 *
 * A lent thread sits in the ioctl, which holds a reference to the
 * context's file, so the close() of the context's last descriptor
 * takes the threads back (dev.c): otherwise the file would never be
 * released.  Registrations still waiting then go back to their
 * submitters' threads.
 *
 * The counts and the queue are under lent->lock, a leaf spinlock taken
 * in process context only (LOCKING, ctx.c).
 */

#include <linux/sched/signal.h>
#include <linux/task_work.h>

#include "lend.h"
#include "sock.h"

void zcopy_lent_init(struct zcopy_lent *lent)
{
	spin_lock_init(&lent->lock);
	INIT_LIST_HEAD(&lent->queue);
	init_waitqueue_head(&lent->wait);
}

/* The file references the lent threads hold in their ioctl (dev.c). */
unsigned int zcopy_lent_file_refs(struct zcopy_lent *lent)
{
	return READ_ONCE(lent->file_refs);
}

/*
 * Leave @zs's next pass to a lent thread, with the caller's reference.
 * Returns false if no thread is lent: the caller keeps its reference
 * and runs the pass itself.
 */
bool zcopy_lent_queue(struct zcopy_lent *lent, struct zcopy_sock *zs)
{
	bool queued = false, twice = false;

	spin_lock(&lent->lock);
	if (lent->threads && !lent->stopped) {
		queued = true;
		if (list_empty(&zs->lent_link))
			list_add_tail(&zs->lent_link, &lent->queue);
		else
			twice = true;
	}
	spin_unlock(&lent->lock);
	if (twice)
		zcopy_sock_put(zs);	/* its first has one */
	else if (queued)
		wake_up(&lent->wait);
	return queued;
}

/*
 * Under lent->lock: the first registration waiting, off the queue, or
 * NULL.  Taken off under the lock, as zcopy_lent_queue() looks at it.
 */
static struct zcopy_sock *__zcopy_lent_pop(struct zcopy_lent *lent)
{
	struct zcopy_sock *zs;

	lockdep_assert_held(&lent->lock);
	zs = list_first_entry_or_null(&lent->queue, struct zcopy_sock,
				      lent_link);
	if (zs)
		list_del_init(&zs->lent_link);
	return zs;
}

/* The next registration to serve; NULL, with *@stop set if taken back. */
static struct zcopy_sock *zcopy_lent_next(struct zcopy_lent *lent,
					  bool *stop)
{
	struct zcopy_sock *zs = NULL;

	spin_lock(&lent->lock);
	*stop = lent->stopped;
	if (!*stop && !signal_pending(current))
		zs = __zcopy_lent_pop(lent);
	spin_unlock(&lent->lock);
	return zs;
}

/*
 * Give every registration still waiting for a lent thread back to its
 * submitters' threads: the last thread left, or the context is closing.
 */
void zcopy_lent_give_back(struct zcopy_lent *lent)
{
	struct zcopy_sock *zs;

	for (;;) {
		spin_lock(&lent->lock);
		zs = __zcopy_lent_pop(lent);
		spin_unlock(&lent->lock);
		if (!zs)
			return;
		zcopy_sock_resume(zs);
	}
}

/*
 * ZCOPY_IOC_LEND: serve the context's passes that may block until a
 * signal is handled (EINTR, or the call restarted as SA_RESTART says)
 * or until the threads are taken back (0).  @file_ref:
 * the ioctl holds a reference to the context's file for this thread
 * (dev.c counts them).
 *
 * A pass can drop the last reference to a file (a transfer's, or a
 * socket's), and the file is then closed by task work, which runs only
 * on the way back to user space: so after such a pass the thread goes
 * there, and the call is restarted (-ERESTARTNOINTR, with
 * TIF_NOTIFY_SIGNAL set so that the way back looks at it), still lent,
 * unless the threads were taken back meanwhile.
 * The last thread to leave otherwise gives what is still queued back
 * to the submitters' threads: no registration waits for a thread that
 * will not come.
 */
int zcopy_lent_serve(struct zcopy_lent *lent, bool file_ref)
{
	bool stop = false, again = false;
	struct zcopy_sock *zs;
	int ret = 0;

	spin_lock(&lent->lock);
	if (lent->stopped) {
		spin_unlock(&lent->lock);
		return 0;
	}
	lent->threads++;
	lent->file_refs += file_ref;
	spin_unlock(&lent->lock);

	while (!stop && !again) {
		ret = wait_event_interruptible(lent->wait,
					       (zs = zcopy_lent_next(lent, &stop)) ||
					       stop);
		if (ret)
			break;
		if (zs)
			zcopy_sock_lent_pass(zs);
		again = task_work_pending(current);
		cond_resched();
	}

	spin_lock(&lent->lock);
	lent->file_refs -= file_ref;
	/*
	 * Taken back meanwhile: no restart, which the last close() of the
	 * descriptor would fail with EBADF; the task work runs on the way
	 * out all the same.
	 */
	if (lent->stopped)
		again = false;
	stop = !--lent->threads && !again;
	spin_unlock(&lent->lock);
	if (stop)
		zcopy_lent_give_back(lent);
	if (again && !ret) {
		set_thread_flag(TIF_NOTIFY_SIGNAL);
		return -ERESTARTNOINTR;
	}
	return ret;	/* -ERESTARTSYS: EINTR, or restarted, as SA_RESTART says */
}

/* Take the threads back, for good: ZCOPY_LEND_STOP, or the last close(). */
void zcopy_lent_stop(struct zcopy_lent *lent)
{
	spin_lock(&lent->lock);
	lent->stopped = true;
	spin_unlock(&lent->lock);
	wake_up_all(&lent->wait);
}
