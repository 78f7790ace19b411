// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the completion core (events.c): the item rbtree and the
 * ready list, including completions that arrive while a reader is copying.
 */

#include <kunit/test.h>
#include <linux/poll.h>
#include <linux/slab.h>

#include "events.h"

MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);

/* Items are keyed by file pointer only; these are never dereferenced. */
static struct file *fake_file(unsigned long i)
{
	return (struct file *)(0x1000UL + i * 0x100UL);
}

static struct zcopy_events *new_events(struct kunit *test)
{
	struct zcopy_events *ev = kunit_kzalloc(test, sizeof(*ev), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, ev);
	zcopy_events_init(ev);
	return ev;
}

static void items_insert_find_remove_test(struct kunit *test)
{
	struct zcopy_events *ev = new_events(test);
	struct zcopy_item a = { .file = fake_file(1), .fd = 3 };
	struct zcopy_item b = { .file = fake_file(1), .fd = 4 };
	struct zcopy_item dup = { .file = fake_file(1), .fd = 3 };

	mutex_lock(&ev->mtx);
	KUNIT_EXPECT_EQ(test, zcopy_events_insert(ev, &a), 0);
	/* Same file, other fd: a different item, as in eventpoll. */
	KUNIT_EXPECT_EQ(test, zcopy_events_insert(ev, &b), 0);
	KUNIT_EXPECT_EQ(test, zcopy_events_insert(ev, &dup), -EEXIST);
	KUNIT_EXPECT_EQ(test, ev->nr_items, 2);

	KUNIT_EXPECT_PTR_EQ(test, zcopy_events_find(ev, fake_file(1), 3), &a);
	KUNIT_EXPECT_PTR_EQ(test, zcopy_events_find(ev, fake_file(1), 4), &b);
	KUNIT_EXPECT_NULL(test, zcopy_events_find(ev, fake_file(2), 3));

	zcopy_events_remove(ev, &a);
	KUNIT_EXPECT_NULL(test, zcopy_events_find(ev, fake_file(1), 3));
	KUNIT_EXPECT_PTR_EQ(test, zcopy_events_find(ev, fake_file(1), 4), &b);
	KUNIT_EXPECT_EQ(test, ev->nr_items, 1);
	zcopy_events_remove(ev, &b);
	KUNIT_EXPECT_NULL(test, zcopy_events_first(ev));
	mutex_unlock(&ev->mtx);
}

/* Many items in random order: all found, and the tree walks in key order. */
static void items_many_test(struct kunit *test)
{
	const unsigned int n = 10000;
	struct zcopy_events *ev = new_events(test);
	struct zcopy_item *items, *item, *prev = NULL;
	unsigned int i, j, seen = 0;

	items = kunit_kcalloc(test, n, sizeof(*items), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, items);
	for (i = 0; i < n; i++) {
		/* A permutation of the keys: 7919 is prime, coprime to n. */
		j = (i * 7919) % n;
		items[i].file = fake_file(j / 4);
		items[i].fd = j % 4;
	}

	mutex_lock(&ev->mtx);
	for (i = 0; i < n; i++)
		KUNIT_ASSERT_EQ(test, zcopy_events_insert(ev, &items[i]), 0);
	KUNIT_EXPECT_EQ(test, ev->nr_items, n);
	for (i = 0; i < n; i++)
		KUNIT_EXPECT_PTR_EQ(test, &items[i],
				    zcopy_events_find(ev, items[i].file, items[i].fd));

	/* Tear down smallest first: keys must come out strictly ascending. */
	while ((item = zcopy_events_first(ev))) {
		if (prev)
			KUNIT_ASSERT_TRUE(test, item->file > prev->file ||
					  (item->file == prev->file && item->fd > prev->fd));
		zcopy_events_remove(ev, item);
		prev = item;
		seen++;
	}
	KUNIT_EXPECT_EQ(test, seen, n);
	KUNIT_EXPECT_EQ(test, ev->nr_items, 0);
	mutex_unlock(&ev->mtx);
}

static void post_events(struct zcopy_events *ev, struct zcopy_event *e,
			u64 first, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		e[i].cqe.user_data = first + i;
		zcopy_events_post(ev, &e[i]);
	}
}

/* Take everything left and check the user_data sequence. */
static void expect_ready_sequence(struct kunit *test, struct zcopy_events *ev,
				  const u64 *want, unsigned int n)
{
	struct zcopy_event *e;
	unsigned int i = 0;
	LIST_HEAD(out);

	KUNIT_EXPECT_EQ(test, zcopy_events_take(ev, &out, UINT_MAX), n);
	list_for_each_entry(e, &out, link) {
		KUNIT_ASSERT_LT(test, i, n);
		KUNIT_EXPECT_EQ(test, e->cqe.user_data, want[i]);
		i++;
	}
	KUNIT_EXPECT_FALSE(test, zcopy_events_ready(ev));
}

static void ready_fifo_test(struct kunit *test)
{
	static const u64 rest[] = { 13, 14 };
	struct zcopy_events *ev = new_events(test);
	struct zcopy_event e[5], *it;
	LIST_HEAD(out);
	u64 want = 10;

	KUNIT_EXPECT_FALSE(test, zcopy_events_ready(ev));
	post_events(ev, e, 10, 5);
	KUNIT_EXPECT_TRUE(test, zcopy_events_ready(ev));

	KUNIT_EXPECT_EQ(test, zcopy_events_take(ev, &out, 0), 0);
	KUNIT_EXPECT_EQ(test, zcopy_events_take(ev, &out, 3), 3);
	list_for_each_entry(it, &out, link)
		KUNIT_EXPECT_EQ(test, it->cqe.user_data, want++);
	KUNIT_EXPECT_EQ(test, ev->nr_ready, 2);
	expect_ready_sequence(test, ev, rest, ARRAY_SIZE(rest));
}

/*
 * The overflow case: a reader detaches four completions, two more are
 * posted while it copies, and the copy faults after the first two.  The
 * two unread go back ahead of the two new ones; nothing is lost.
 */
static void ready_overflow_test(struct kunit *test)
{
	static const u64 want[] = { 3, 4, 5, 6 };
	struct zcopy_events *ev = new_events(test);
	struct zcopy_event old[4], late[2];
	LIST_HEAD(taken);
	LIST_HEAD(delivered);

	post_events(ev, old, 1, 4);
	KUNIT_ASSERT_EQ(test, zcopy_events_take(ev, &taken, 4), 4);
	KUNIT_EXPECT_FALSE(test, zcopy_events_ready(ev));

	post_events(ev, late, 5, 2);	/* during the copy */

	/* Events 1 and 2 were delivered; 3 and 4 were not. */
	list_cut_position(&delivered, &taken, taken.next->next);
	KUNIT_ASSERT_EQ(test, list_count_nodes(&taken), 2);
	zcopy_events_putback(ev, &taken);

	KUNIT_EXPECT_TRUE(test, list_empty(&taken));
	expect_ready_sequence(test, ev, want, ARRAY_SIZE(want));
}

static unsigned int released;

static void count_release(struct zcopy_event *e)
{
	released++;
}

/*
 * Closing releases what is ready; after it, posts and put-backs (a
 * reader that raced with close) release at once instead of queueing.
 */
static void closed_releases_test(struct kunit *test)
{
	struct zcopy_events *ev = new_events(test);
	struct zcopy_event e[6];
	LIST_HEAD(taken);
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(e); i++)
		e[i].release = count_release;
	released = 0;
	post_events(ev, e, 1, 4);
	KUNIT_ASSERT_EQ(test, zcopy_events_take(ev, &taken, 1), 1);

	zcopy_events_close(ev);
	KUNIT_EXPECT_EQ(test, released, 3);
	KUNIT_EXPECT_FALSE(test, zcopy_events_ready(ev));

	post_events(ev, e + 4, 5, 2);
	KUNIT_EXPECT_EQ(test, released, 5);
	zcopy_events_putback(ev, &taken);
	KUNIT_EXPECT_EQ(test, released, 6);
	KUNIT_EXPECT_TRUE(test, list_empty(&taken));
	KUNIT_EXPECT_FALSE(test, zcopy_events_ready(ev));
}

struct wake_counter {
	struct wait_queue_entry wait;
	unsigned int wakes;
};

static int count_wake(struct wait_queue_entry *wait, unsigned int mode,
		      int sync, void *key)
{
	struct wake_counter *c = container_of(wait, struct wake_counter, wait);

	if (key_to_poll(key) & EPOLLIN)
		c->wakes++;
	return 0;
}

/* Every post wakes the readers: what edge-triggered epoll relies on. */
static void post_wakes_each_time_test(struct kunit *test)
{
	struct zcopy_events *ev = new_events(test);
	struct wake_counter c = { .wakes = 0 };
	struct zcopy_event e[3];
	LIST_HEAD(out);

	init_waitqueue_func_entry(&c.wait, count_wake);
	add_wait_queue(&ev->wq, &c.wait);
	post_events(ev, e, 1, 3);
	KUNIT_EXPECT_EQ(test, c.wakes, 3);
	/* Taking wakes nobody; putting back does (the list refilled). */
	zcopy_events_take(ev, &out, 3);
	KUNIT_EXPECT_EQ(test, c.wakes, 3);
	zcopy_events_putback(ev, &out);
	KUNIT_EXPECT_EQ(test, c.wakes, 4);
	remove_wait_queue(&ev->wq, &c.wait);
}

/*
 * Deferred work: listed once, taken oldest first or by its owner,
 * making the events ready while any waits, and refused once no reader
 * is left.
 */
static void deferred_test(struct kunit *test)
{
	struct zcopy_events *ev = new_events(test);
	struct list_head a, b;

	INIT_LIST_HEAD(&a);
	INIT_LIST_HEAD(&b);
	KUNIT_EXPECT_FALSE(test, zcopy_events_ready(ev));
	KUNIT_EXPECT_NULL(test, zcopy_events_next_deferred(ev));
	KUNIT_EXPECT_EQ(test, zcopy_events_defer(ev, &a), 0);
	KUNIT_EXPECT_EQ(test, zcopy_events_defer(ev, &b), 0);
	KUNIT_EXPECT_EQ(test, zcopy_events_defer(ev, &a), -EALREADY);
	KUNIT_EXPECT_TRUE(test, zcopy_events_ready(ev));
	KUNIT_EXPECT_PTR_EQ(test, zcopy_events_next_deferred(ev), &a);
	/* Taken off: it may be listed again, behind b. */
	KUNIT_EXPECT_EQ(test, zcopy_events_defer(ev, &a), 0);
	/* Taken off by its owner: only once. */
	KUNIT_EXPECT_TRUE(test, zcopy_events_undefer(ev, &b));
	KUNIT_EXPECT_FALSE(test, zcopy_events_undefer(ev, &b));
	KUNIT_EXPECT_PTR_EQ(test, zcopy_events_next_deferred(ev), &a);
	KUNIT_EXPECT_NULL(test, zcopy_events_next_deferred(ev));
	KUNIT_EXPECT_FALSE(test, zcopy_events_ready(ev));
	zcopy_events_close(ev);
	KUNIT_EXPECT_EQ(test, zcopy_events_defer(ev, &a), -ESHUTDOWN);
	KUNIT_EXPECT_TRUE(test, list_empty(&a));
}

static struct kunit_case zcopy_events_cases[] = {
	KUNIT_CASE(items_insert_find_remove_test),
	KUNIT_CASE(items_many_test),
	KUNIT_CASE(ready_fifo_test),
	KUNIT_CASE(ready_overflow_test),
	KUNIT_CASE(post_wakes_each_time_test),
	KUNIT_CASE(closed_releases_test),
	KUNIT_CASE(deferred_test),
	{}
};

static struct kunit_suite zcopy_events_suite = {
	.name = "zcopy_events",
	.test_cases = zcopy_events_cases,
};

kunit_test_suites(&zcopy_events_suite);
