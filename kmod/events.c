// SPDX-License-Identifier: GPL-2.0
/*
 * The completion core of a context: a small eventpoll.
 *
 * Registered items live in an rbtree keyed by (struct file *, fd), as
 * eventpoll's epitems do, so finding one costs O(log n).  Finished work
 * is linked on a ready list; readers take from its head, so reaping costs
 * O(ready) whatever the number of registered items.
 *
 * Locking (numbered in LOCKING, ctx.c): ev->mtx, a mutex, guards the
 * item tree, and is held around registration and lookup, which may
 * sleep; ev->lock, a plain spinlock, guards the ready list, taken in
 * process context only, with ev->wq.lock inside it for the wake-up.
 *
 * nr_ready is also read without the lock (poll, the read loop's wait),
 * so it is written with WRITE_ONCE().
 *
 * A reader detaches the events it will return from the ready list under
 * ev->lock and copies them to user space with no lock held (the copy can
 * fault and sleep).  Completions posted meanwhile simply land on the now
 * shorter ready list; nothing is lost.  If the copy fails part-way, the
 * unread events go back to the head of the list, ahead of any posted
 * during the copy, so completions are always read in the order posted.
 *
 * Work can finish after its context was closed (the network stack may
 * hold pages long after).  Once closed, the ready list is emptied and a
 * posted event is released at once: nobody is left to read it.
 *
 * Sends that a call's inline budget left (ctx.c) wait on ev->deferred,
 * under ev->lock, for the application's next SUBMIT or read(); while
 * any does, the context reads as ready, so that an event loop calls.
 *
 * A context with rings (ring.c) copies each completion into its CQ
 * under ev->lock and releases the event; the ready list then holds only
 * the completions that found the CQ full, oldest first, and they move
 * in, in order, before any newer one, as room appears: at the next
 * post, doorbell, read() or poll().  Nothing is dropped: what waits is
 * bounded by the transfers a context may hold.
 */

#include <kunit/visibility.h>
#include <linux/poll.h>

#include "compat.h"
#include "events.h"
#include "ring.h"

void zcopy_events_init(struct zcopy_events *ev)
{
	mutex_init(&ev->mtx);
	ev->items = RB_ROOT_CACHED;
	ev->nr_items = 0;
	spin_lock_init(&ev->lock);
	INIT_LIST_HEAD(&ev->ready);
	ev->nr_ready = 0;
	ev->closed = false;
	ev->ring = NULL;
	INIT_LIST_HEAD(&ev->deferred);
	init_waitqueue_head(&ev->wq);
}
EXPORT_SYMBOL_IF_KUNIT(zcopy_events_init);

/* Order of the tree, eventpoll's: by file pointer, then by fd. */
static int zcopy_item_cmp(struct file *file, int fd,
			  const struct zcopy_item *item)
{
	if (file != item->file)
		return file < item->file ? -1 : 1;
	if (fd != item->fd)
		return fd < item->fd ? -1 : 1;
	return 0;
}

/* Add @item (file and fd set); -EEXIST if that pair is registered. */
int zcopy_events_insert(struct zcopy_events *ev, struct zcopy_item *item)
{
	struct rb_node **link = &ev->items.rb_root.rb_node, *parent = NULL;
	bool leftmost = true;
	int cmp;

	lockdep_assert_held(&ev->mtx);
	while (*link) {
		parent = *link;
		cmp = zcopy_item_cmp(item->file, item->fd,
				     rb_entry(parent, struct zcopy_item, node));
		if (!cmp)
			return -EEXIST;
		if (cmp < 0) {
			link = &parent->rb_left;
		} else {
			link = &parent->rb_right;
			leftmost = false;
		}
	}
	rb_link_node(&item->node, parent, link);
	rb_insert_color_cached(&item->node, &ev->items, leftmost);
	WRITE_ONCE(ev->nr_items, ev->nr_items + 1);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(zcopy_events_insert);

struct zcopy_item *zcopy_events_find(struct zcopy_events *ev,
				     struct file *file, int fd)
{
	struct rb_node *node = ev->items.rb_root.rb_node;
	struct zcopy_item *item;
	int cmp;

	lockdep_assert_held(&ev->mtx);
	while (node) {
		item = rb_entry(node, struct zcopy_item, node);
		cmp = zcopy_item_cmp(file, fd, item);
		if (!cmp)
			return item;
		node = cmp < 0 ? node->rb_left : node->rb_right;
	}
	return NULL;
}
EXPORT_SYMBOL_IF_KUNIT(zcopy_events_find);

void zcopy_events_remove(struct zcopy_events *ev, struct zcopy_item *item)
{
	lockdep_assert_held(&ev->mtx);
	rb_erase_cached(&item->node, &ev->items);
	RB_CLEAR_NODE(&item->node);
	WRITE_ONCE(ev->nr_items, ev->nr_items - 1);
}
EXPORT_SYMBOL_IF_KUNIT(zcopy_events_remove);

/* The smallest item, for tearing the whole tree down one by one. */
struct zcopy_item *zcopy_events_first(struct zcopy_events *ev)
{
	struct rb_node *node = rb_first_cached(&ev->items);

	lockdep_assert_held(&ev->mtx);
	return node ? rb_entry(node, struct zcopy_item, node) : NULL;
}
EXPORT_SYMBOL_IF_KUNIT(zcopy_events_first);

/* The item after @item in tree order, for walking every item. */
struct zcopy_item *zcopy_events_next(struct zcopy_events *ev,
				     struct zcopy_item *item)
{
	struct rb_node *node = rb_next(&item->node);

	lockdep_assert_held(&ev->mtx);
	return node ? rb_entry(node, struct zcopy_item, node) : NULL;
}
EXPORT_SYMBOL_IF_KUNIT(zcopy_events_next);

/* Release events whose records have reached user space, no lock held. */
static void zcopy_events_release(struct list_head *done)
{
	struct zcopy_event *e, *tmp;

	list_for_each_entry_safe(e, tmp, done, link) {
		list_del(&e->link);
		e->release(e);
	}
}

/*
 * Move what is ready into the CQ while it has room, oldest first, onto
 * @done for release; @added of the ready ones are new.  Returns how
 * many moved.
 */
static unsigned int zcopy_events_fill_ring(struct zcopy_events *ev,
					   struct list_head *done,
					   unsigned int added)
{
	struct zcopy_event *e, *tmp;
	unsigned int n = 0;

	lockdep_assert_held(&ev->lock);
	list_for_each_entry_safe(e, tmp, &ev->ready, link) {
		if (!zcopy_ring_cq_push(ev->ring, &e->cqe))
			break;
		list_move_tail(&e->link, done);
		n++;
	}
	WRITE_ONCE(ev->nr_ready, ev->nr_ready - n);
	zcopy_ring_cq_overflow(ev->ring, ev->nr_ready,
			       min(added, ev->nr_ready));
	return n;
}

/*
 * Queue a completion and wake readers.  Process context.  @e->release
 * may be called before this returns: when the context is closed, or
 * once the record is in the CQ.
 */
void zcopy_events_post(struct zcopy_events *ev, struct zcopy_event *e)
{
	LIST_HEAD(done);

	spin_lock(&ev->lock);
	if (ev->closed) {
		spin_unlock(&ev->lock);
		e->release(e);
		return;
	}
	list_add_tail(&e->link, &ev->ready);
	WRITE_ONCE(ev->nr_ready, ev->nr_ready + 1);
	if (ev->ring)
		zcopy_events_fill_ring(ev, &done, 1);
	/* Every post wakes, so edge-triggered epoll sees each one. */
	wake_up_poll(&ev->wq, EPOLLIN | EPOLLRDNORM);
	spin_unlock(&ev->lock);
	zcopy_events_release(&done);
}
EXPORT_SYMBOL_IF_KUNIT(zcopy_events_post);

/*
 * Whether a reader has something: on the ready list, in the CQ, or
 * deferred work its read() goes on with.
 */
bool zcopy_events_ready(struct zcopy_events *ev)
{
	struct zcopy_ring *ring = zcopy_events_ring(ev);

	return READ_ONCE(ev->nr_ready) != 0 ||
	       (ring && zcopy_ring_cq_pending(ring)) ||
	       !list_empty(&ev->deferred);
}
EXPORT_SYMBOL_IF_KUNIT(zcopy_events_ready);

/* Detach up to @max of the oldest completions onto @out; returns how many. */
unsigned int zcopy_events_take(struct zcopy_events *ev,
			       struct list_head *out, unsigned int max)
{
	struct zcopy_event *e, *tmp;
	unsigned int n = 0;

	spin_lock(&ev->lock);
	/* With rings, what is on the list waits for the CQ: not for this. */
	if (ev->ring) {
		spin_unlock(&ev->lock);
		return 0;
	}
	list_for_each_entry_safe(e, tmp, &ev->ready, link) {
		if (n == max)
			break;
		list_move_tail(&e->link, out);
		n++;
	}
	WRITE_ONCE(ev->nr_ready, ev->nr_ready - n);
	spin_unlock(&ev->lock);
	return n;
}
EXPORT_SYMBOL_IF_KUNIT(zcopy_events_take);

/* Return completions a reader took but could not deliver, oldest first. */
void zcopy_events_putback(struct zcopy_events *ev, struct list_head *unread)
{
	unsigned int n = list_count_nodes(unread);

	if (!n)
		return;
	spin_lock(&ev->lock);
	if (ev->closed) {
		spin_unlock(&ev->lock);
		zcopy_events_release(unread);
		return;
	}
	list_splice_init(unread, &ev->ready);
	WRITE_ONCE(ev->nr_ready, ev->nr_ready + n);
	/* The rings were set up during the read. */
	if (ev->ring)
		zcopy_events_fill_ring(ev, unread, 0);
	wake_up_poll(&ev->wq, EPOLLIN | EPOLLRDNORM);
	spin_unlock(&ev->lock);
	zcopy_events_release(unread);
}
EXPORT_SYMBOL_IF_KUNIT(zcopy_events_putback);

/*
 * The last reader is gone: release what is ready and, from now on,
 * whatever is posted.
 */
void zcopy_events_close(struct zcopy_events *ev)
{
	LIST_HEAD(ready);

	spin_lock(&ev->lock);
	WRITE_ONCE(ev->closed, true);
	list_splice_init(&ev->ready, &ready);
	WRITE_ONCE(ev->nr_ready, 0);
	spin_unlock(&ev->lock);
	zcopy_events_release(&ready);
}
EXPORT_SYMBOL_IF_KUNIT(zcopy_events_close);

/*
 * Work a SUBMIT's inline budget left over (ctx.c): it waits, by @link,
 * for the application's next SUBMIT or read(), and meanwhile the fd
 * reads as ready and the CQ's flags say ZCOPY_CQ_F_DEFERRED, so that
 * an event loop comes back for it.  Returns 0 if @link was added (the
 * caller's reference goes with it), -EALREADY if it waits already, or
 * -ESHUTDOWN once no reader is left.
 */
int zcopy_events_defer(struct zcopy_events *ev, struct list_head *link)
{
	int ret = 0;

	spin_lock(&ev->lock);
	if (ev->closed) {
		ret = -ESHUTDOWN;
	} else if (!list_empty(link)) {
		ret = -EALREADY;
	} else {
		/* The flag first: poll() looks at the list unlocked. */
		if (ev->ring)
			zcopy_ring_cq_flag(ev->ring, ZCOPY_CQ_F_DEFERRED, true);
		list_add_tail(link, &ev->deferred);
		wake_up_poll(&ev->wq, EPOLLIN | EPOLLRDNORM);
	}
	spin_unlock(&ev->lock);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(zcopy_events_defer);

/* Whether work waits on the deferred list: a look, without the lock. */
bool zcopy_events_has_deferred(struct zcopy_events *ev)
{
	return !list_empty(&ev->deferred);
}

/* Under ev->lock: @link off the deferred list, the CQ told if it empties. */
static void zcopy_events_unlist(struct zcopy_events *ev,
				struct list_head *link)
{
	lockdep_assert_held(&ev->lock);
	list_del_init(link);
	if (ev->ring && list_empty(&ev->deferred))
		zcopy_ring_cq_flag(ev->ring, ZCOPY_CQ_F_DEFERRED, false);
}

/*
 * Take @link off the deferred list, if it is there: returns true if it
 * was, and the reference it held is the caller's.
 */
bool zcopy_events_undefer(struct zcopy_events *ev, struct list_head *link)
{
	bool listed;

	/* Unlocked first: passes ask at every wake-up, and it seldom is. */
	if (list_empty(link))
		return false;
	spin_lock(&ev->lock);
	listed = !list_empty(link);
	if (listed)
		zcopy_events_unlist(ev, link);
	spin_unlock(&ev->lock);
	return listed;
}
EXPORT_SYMBOL_IF_KUNIT(zcopy_events_undefer);

/* The oldest deferred work, taken off the list; NULL if none waits. */
struct list_head *zcopy_events_next_deferred(struct zcopy_events *ev)
{
	struct list_head *link = NULL;

	/* The common case, unlocked: a stale look only delays the work. */
	if (list_empty(&ev->deferred))
		return NULL;
	spin_lock(&ev->lock);
	if (!list_empty(&ev->deferred)) {
		link = ev->deferred.next;
		zcopy_events_unlist(ev, link);
	}
	spin_unlock(&ev->lock);
	return link;
}
EXPORT_SYMBOL_IF_KUNIT(zcopy_events_next_deferred);

/*
 * From now on completions go to @ring's CQ, the ones ready first; once,
 * under the context's ev.mtx (which keeps a second one out).
 */
void zcopy_events_set_ring(struct zcopy_events *ev, struct zcopy_ring *ring)
{
	LIST_HEAD(done);

	lockdep_assert_held(&ev->mtx);
	spin_lock(&ev->lock);
	/* Release: readers that find it find it whole (ring.c). */
	smp_store_release(&ev->ring, ring);
	if (!ev->closed)
		zcopy_events_fill_ring(ev, &done, ev->nr_ready);
	zcopy_ring_cq_flag(ring, ZCOPY_CQ_F_DEFERRED,
			   !list_empty(&ev->deferred));
	spin_unlock(&ev->lock);
	zcopy_events_release(&done);
}

struct zcopy_ring *zcopy_events_ring(struct zcopy_events *ev)
{
	/* Acquire: pairs with zcopy_events_set_ring()'s release. */
	return smp_load_acquire(&ev->ring);
}

/*
 * Move completions that wait for room into the CQ, where the
 * application may have reaped some since: SUBMIT, read() and poll()
 * call it.  Under the lock, not after a look at nr_ready without it:
 * the application's store to the CQ's head and a post's look at it
 * must not miss each other.
 */
void zcopy_events_flush(struct zcopy_events *ev)
{
	LIST_HEAD(done);

	if (!zcopy_events_ring(ev))
		return;
	spin_lock(&ev->lock);
	if (!ev->closed && zcopy_events_fill_ring(ev, &done, 0))
		wake_up_poll(&ev->wq, EPOLLIN | EPOLLRDNORM);
	spin_unlock(&ev->lock);
	zcopy_events_release(&done);
}
