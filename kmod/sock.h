/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A registered socket: the context's epitem, and the queue of transfers
 * going out through it, one at a time, in submission order.
 */
#ifndef ZCOPY_SOCK_H
#define ZCOPY_SOCK_H

#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/pagemap.h>
#include <linux/refcount.h>
#include <linux/spinlock.h>
#include <linux/timer.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include "claim.h"
#include "events.h"

struct socket;
struct task_struct;
struct zcopy_ctx;
struct zcopy_xfer;

enum {
	ZCOPY_SOCK_PARKED,	/* the send buffer is full: a wake-up resumes */
	ZCOPY_SOCK_DISK_WAIT,	/* waiting for a folio: its unlock resumes */
	ZCOPY_SOCK_RERUN,	/* a pass was asked for while one ran */
	ZCOPY_SOCK_DEAD,	/* unregistered: send nothing more */
	ZCOPY_SOCK_QUEUED,	/* a deferred pass is queued, not yet begun */
};

struct zcopy_sock {
	struct zcopy_item item;		/* key: the socket's file and fd */
	struct socket *sock;
	struct zcopy_claim claim;	/* the socket is ours alone */
	struct zcopy_ctx *ctx;
	/* The registration, plus one per queued pass and per wait. */
	refcount_t ref;
	unsigned long flags;		/* ZCOPY_SOCK_* */

	/* Protects queue, and ZCOPY_XFER_STARTED of the transfers on it. */
	spinlock_t lock;
	struct list_head queue;		/* transfers not yet fully handed */

	struct mutex push_mtx;		/* one pass at a time: in order */
	struct mutex send_mtx;		/* held across each send; and: */
	bool corked;			/* the last send said MSG_MORE */
	bool ktls;			/* kTLS encrypts its sends (ktls.c) */
	struct zcopy_ktls_watch *tls_watch; /* then: its releases */

	/* Deferred passes: in the submitter's thread, or a lent one. */
	spinlock_t task_lock;		/* irq-safe, leaf: guards task */
	struct task_struct *task;	/* the head transfer's submitter */
	struct callback_head task_work;	/* a pass queued to that thread */
	struct work_struct exit_work;	/* its thread exited: wind down */
	struct list_head lent_link;	/* waiting for a lent thread */
	struct list_head later_link;	/* waiting for the next call's budget */
	struct work_struct free_work;	/* the last put, from a wake-up */
	struct wait_queue_entry wait;	/* on the socket: resumes the work */
	struct wait_queue_head *whead;
	struct timer_list retry;	/* when no wake-up is sure to come */
	struct wait_page_queue disk;	/* on a folio the head transfer needs */
};

struct zcopy_sock *zcopy_sock_create(struct zcopy_ctx *ctx, int fd);
void zcopy_sock_destroy(struct zcopy_sock *zs);
void zcopy_sock_get(struct zcopy_sock *zs);
void zcopy_sock_put(struct zcopy_sock *zs);
void zcopy_sock_queue(struct zcopy_sock *zs, struct list_head *xfers);
void zcopy_sock_push_now(struct zcopy_sock *zs, u64 *budget);
void zcopy_sock_undefer(struct zcopy_sock *zs);
void zcopy_sock_resume(struct zcopy_sock *zs);
unsigned int zcopy_sock_cancel(struct zcopy_sock *zs, u64 user_data);
void zcopy_sock_lent_pass(struct zcopy_sock *zs);

#endif /* ZCOPY_SOCK_H */
