// SPDX-License-Identifier: GPL-2.0
/*
 * Registered sockets and the work that feeds them.
 *
 * Each socket has one work item that sends the transfer at the head of
 * its queue until the transfer is over or the send buffer is full.  A
 * workqueue never runs one work item on two CPUs at once, so a socket's
 * transfers go out one after the other, in order, while different
 * sockets' work runs in parallel.
 *
 * When the send buffer fills, the work returns and nothing waits: at
 * registration an entry was put on the socket's wait queue, as epoll
 * does, and TCP wakes it when space frees up (or on error or hang-up).
 * The wake-up callback runs in softirq and only queues the work.  No
 * wake-up is lost: one that arrives while the work runs queues it again.
 *
 * Locking: zs->lock (BH-safe spinlock) guards the queue.  It nests
 * inside the context's item mutex (submission, cancellation) and is
 * never held across a send or a call back into the context.
 */

#include <linux/file.h>
#include <linux/net.h>
#include <linux/poll.h>
#include <linux/slab.h>
#include <net/sock.h>

#include "sock.h"
#include "stats.h"
#include "xfer.h"

static void zcopy_sock_work(struct work_struct *work)
{
	struct zcopy_sock *zs = container_of(work, struct zcopy_sock, work);
	struct zcopy_xfer *x;
	int ret;

	for (;;) {
		spin_lock_bh(&zs->lock);
		x = list_first_entry_or_null(&zs->queue, struct zcopy_xfer,
					     link);
		if (x)
			set_bit(ZCOPY_XFER_STARTED, &x->state);
		spin_unlock_bh(&zs->lock);
		if (!x)
			return;

		ret = zcopy_xfer_push(x, zs->sock);
		if (ret == ZCOPY_PUSH_PARKED)
			return;		/* until the socket wakes us */

		/*
		 * Off the queue under the lock, so that CANCEL either counted
		 * this transfer before (and it completes cancelled, whatever
		 * it sent) or does not see it at all.
		 */
		spin_lock_bh(&zs->lock);
		list_del_init(&x->link);
		if (test_bit(ZCOPY_XFER_CANCEL, &x->state))
			ret = -ECANCELED;
		spin_unlock_bh(&zs->lock);
		zcopy_xfer_finish(x, zs->sock,
				  ret ?: (s64)(x->pos - x->range.start));
		cond_resched();
	}
}

/* Write space, error or hang-up on the socket: resume its transfers. */
static int zcopy_sock_wake(struct wait_queue_entry *wait, unsigned int mode,
			   int sync, void *key)
{
	struct zcopy_sock *zs = container_of(wait, struct zcopy_sock, wait);
	__poll_t events = key_to_poll(key);

	if (events && !(events & (EPOLLOUT | EPOLLERR | EPOLLHUP)))
		return 0;	/* data to read: not our business */
	/*
	 * An unlocked peek: a stale "empty" is followed by the queuer's own
	 * queue_work(), a stale "not empty" costs one idle run.
	 */
	if (!list_empty(&zs->queue))
		queue_work(zcopy_wq, &zs->work);
	return 0;
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
 * Make the registration of socket @fd.  It holds a reference to the
 * socket's file, so the socket, and the wait queue our entry is on,
 * live until zcopy_sock_destroy().
 */
struct zcopy_sock *zcopy_sock_create(int fd)
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
	spin_lock_init(&zs->lock);
	INIT_LIST_HEAD(&zs->queue);
	INIT_WORK(&zs->work, zcopy_sock_work);
	init_waitqueue_func_entry(&zs->wait, zcopy_sock_wake);
	zs->whead = sk_sleep(zs->sock->sk);
	add_wait_queue(zs->whead, &zs->wait);
	zcopy_stat_add(ZCOPY_STAT_SOCKETS, 1);
	return zs;

out_fput:
	fput(file);
	return ERR_PTR(ret);
}

/* Append @x to the queue and make sure the work will see it. */
void zcopy_sock_queue(struct zcopy_sock *zs, struct zcopy_xfer *x)
{
	spin_lock_bh(&zs->lock);
	list_add_tail(&x->link, &zs->queue);
	spin_unlock_bh(&zs->lock);
	queue_work(zcopy_wq, &zs->work);
}

static void zcopy_sock_cancel_list(struct zcopy_sock *zs,
				   struct list_head *list)
{
	struct zcopy_xfer *x, *tmp;

	list_for_each_entry_safe(x, tmp, list, link) {
		list_del_init(&x->link);
		zcopy_xfer_finish(x, zs->sock, -ECANCELED);
	}
}

/*
 * Cancel the queued transfers carrying @user_data.  One not yet started
 * completes here; the one being sent stops at its next chunk, in the
 * work.  Either way each one counted completes with -ECANCELED, and is
 * counted once: it is still on the queue, under zs->lock, and its
 * CANCEL bit was clear.  Returns how many were cancelled.
 */
unsigned int zcopy_sock_cancel(struct zcopy_sock *zs, u64 user_data)
{
	struct zcopy_xfer *x, *tmp;
	unsigned int n = 0;
	bool kick = false;
	LIST_HEAD(cancelled);

	spin_lock_bh(&zs->lock);
	list_for_each_entry_safe(x, tmp, &zs->queue, link) {
		if (x->event.cqe.user_data != user_data)
			continue;
		if (test_and_set_bit(ZCOPY_XFER_CANCEL, &x->state))
			continue;	/* counted by an earlier CANCEL */
		n++;
		if (test_bit(ZCOPY_XFER_STARTED, &x->state)) {
			kick = true;
			continue;
		}
		list_move_tail(&x->link, &cancelled);
	}
	spin_unlock_bh(&zs->lock);
	if (kick)
		queue_work(zcopy_wq, &zs->work);
	zcopy_sock_cancel_list(zs, &cancelled);
	return n;
}

/*
 * Unregister: no wake-up can queue the work once our entry is off the
 * socket, and after cancel_work_sync() the work is not running, so the
 * queue is ours to cancel, the started head included.
 */
void zcopy_sock_destroy(struct zcopy_sock *zs)
{
	LIST_HEAD(pending);

	remove_wait_queue(zs->whead, &zs->wait);
	cancel_work_sync(&zs->work);
	spin_lock_bh(&zs->lock);
	list_splice_init(&zs->queue, &pending);
	spin_unlock_bh(&zs->lock);
	zcopy_sock_cancel_list(zs, &pending);
	zcopy_release_socket(&zs->claim);
	fput(zs->item.file);
	kfree(zs);
	zcopy_stat_add(ZCOPY_STAT_SOCKETS, -1);
}
