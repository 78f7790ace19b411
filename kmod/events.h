/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The completion core of a context, modelled on eventpoll: registered
 * items (sockets) in an rbtree keyed by (file, fd), finished work on a
 * ready list, and a wait queue for readers.  See events.c for locking.
 */
#ifndef ZCOPY_EVENTS_H
#define ZCOPY_EVENTS_H

#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/rbtree.h>
#include <linux/spinlock.h>
#include <linux/wait.h>

#include <linux/zcopy.h>

struct file;
struct zcopy_ring;

struct zcopy_events {
	/*
	 * Protects items and nr_items; may sleep.  nr_items and closed are
	 * written with WRITE_ONCE() because listings (netlink.c) read them
	 * without the locks.
	 */
	struct mutex mtx;
	struct rb_root_cached items;
	unsigned int nr_items;

	/*
	 * Protects ready, nr_ready, closed and deferred; process context
	 * only.
	 */
	spinlock_t lock;
	struct list_head ready;
	unsigned int nr_ready;
	bool closed;		/* no reader any more: release on post */
	/*
	 * Set once (zcopy_events_set_ring()), freed with the context: then
	 * the ready list holds only what waits for room in its CQ.
	 */
	struct zcopy_ring *ring;
	/*
	 * Under lock: work a SUBMIT's inline budget left for the next
	 * call (ctx.c), oldest first.  The fd reads as ready while any
	 * waits, so that an event loop comes back for it.
	 */
	struct list_head deferred;

	/* read() and poll() wait here for the ready list to fill. */
	wait_queue_head_t wq;
};

/* A registered item: embedded in whatever the context registers. */
struct zcopy_item {
	struct rb_node node;
	struct file *file;
	int fd;
};

/*
 * A completion waiting to be read: embedded in the finished work, which
 * release() frees once the record has reached user space.
 */
struct zcopy_event {
	struct list_head link;
	struct zcopy_cqe cqe;
	void (*release)(struct zcopy_event *e);
};

void zcopy_events_init(struct zcopy_events *ev);

int zcopy_events_insert(struct zcopy_events *ev, struct zcopy_item *item);
struct zcopy_item *zcopy_events_find(struct zcopy_events *ev,
				     struct file *file, int fd);
void zcopy_events_remove(struct zcopy_events *ev, struct zcopy_item *item);
struct zcopy_item *zcopy_events_first(struct zcopy_events *ev);
struct zcopy_item *zcopy_events_next(struct zcopy_events *ev,
				     struct zcopy_item *item);

void zcopy_events_post(struct zcopy_events *ev, struct zcopy_event *e);
bool zcopy_events_ready(struct zcopy_events *ev);
unsigned int zcopy_events_take(struct zcopy_events *ev,
			       struct list_head *out, unsigned int max);
void zcopy_events_putback(struct zcopy_events *ev, struct list_head *unread);
void zcopy_events_close(struct zcopy_events *ev);

int zcopy_events_defer(struct zcopy_events *ev, struct list_head *link);
bool zcopy_events_has_deferred(struct zcopy_events *ev);
bool zcopy_events_undefer(struct zcopy_events *ev, struct list_head *link);
struct list_head *zcopy_events_next_deferred(struct zcopy_events *ev);

void zcopy_events_set_ring(struct zcopy_events *ev, struct zcopy_ring *ring);
struct zcopy_ring *zcopy_events_ring(struct zcopy_events *ev);
void zcopy_events_flush(struct zcopy_events *ev);

#endif /* ZCOPY_EVENTS_H */
