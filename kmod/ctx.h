/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A context: what one open() of /dev/zcopy holds.
 */
#ifndef ZCOPY_CTX_H
#define ZCOPY_CTX_H

#include <linux/atomic.h>
#include <linux/kcov.h>
#include <linux/list.h>
#include <linux/refcount.h>
#include <linux/sched.h>
#include <linux/spinlock.h>
#include <linux/timer.h>
#include <linux/uidgid.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>

#include "events.h"
#include "lend.h"
#include "owner.h"

/*
 * What ZCOPY_IOC_PROBE reports and SUBMIT accepts: every flag and feature,
 * on every kernel supported today.  One a kernel could not honour would
 * be left out here, with what compat.h finds.
 */
#define ZCOPY_F_SUPPORTED	ZCOPY_F_ALL
#define ZCOPY_FEATURES		(ZCOPY_FEAT_ASYNC_READ | \
				 ZCOPY_FEAT_SPLICE_PAGES | ZCOPY_FEAT_LEND | \
				 ZCOPY_FEAT_RINGS)

struct net;
struct zcopy_net;
struct pid;
struct zcopy_rings;
struct zcopy_submit;

struct zcopy_ctx {
	struct zcopy_events ev;
	/* The open file, plus one per transfer: pages can outlive close(). */
	refcount_t ref;
	atomic_t inflight;		/* transfers held, against the limit */
	atomic64_t pinned;		/* their bytes */
	struct rcu_work free_work;	/* the last put, on zcopy_wq */
	struct zcopy_lent lent;		/* threads lent to it (lend.c) */
	/* Sends deferred for a call's budget that no call takes (ctx.c). */
	struct timer_list deferred_timer;
	struct work_struct deferred_work;
	atomic_t calls;			/* SUBMITs and read()s going on */
	/* The last submitter's identity (owner.h), under ev.mtx. */
	struct zcopy_ident_cache ident;

	/* What netlink reports.  Fixed at open unless marked. */
	u32 id;				/* key in zcopy_contexts */
	struct pid *pid;		/* the opener's thread group */
	kuid_t uid;			/* the opener's: who may list it */
	char comm[TASK_COMM_LEN];
	struct net *net;		/* the opener's network namespace */
	struct zcopy_net *stats;	/* its counters (stats.h) */
	u64 kcov_handle;		/* the opener's: see zcopy_work_kcov() */
	/* Over the context's life. */
	atomic64_t next_id;		/* numbers its transfers, from 1 */
	atomic64_t submitted;		/* of them, accepted */
	atomic64_t completed;
	atomic64_t failed;
	atomic64_t bytes;		/* handed to sockets */

	/* Every live transfer, in id order, for the transfer listing. */
	spinlock_t xfers_lock;
	struct list_head xfers;
};

/*
 * Every context, by id.  Holding its xa_lock keeps the contexts in it
 * alive: a context leaves it before it is freed.
 */
extern struct xarray zcopy_contexts;

/*
 * Work done for @ctx on the module's workqueue (a release, the pass of
 * an exited thread, a free) reports its coverage to the KCOV common
 * handle of the context's opener, as vhost's and USB's workers do for
 * theirs: a fuzzer that sets one (KCOV_REMOTE_ENABLE) sees what its
 * calls cause there too.  Between zcopy_work_kcov() and
 * kcov_remote_stop(), in the work function itself; nothing without
 * CONFIG_KCOV, and nothing for an opener without a handle.
 */
static inline void zcopy_work_kcov(const struct zcopy_ctx *ctx)
{
	kcov_remote_start_common(ctx->kcov_handle);
}

struct zcopy_ctx *zcopy_ctx_create(void);
void zcopy_ctx_close(struct zcopy_ctx *ctx);
void zcopy_ctx_get(struct zcopy_ctx *ctx);
void zcopy_ctx_put(struct zcopy_ctx *ctx);

int zcopy_ctx_register(struct zcopy_ctx *ctx, int fd);
int zcopy_ctx_unregister(struct zcopy_ctx *ctx, int fd);
int zcopy_ctx_submit(struct zcopy_ctx *ctx, const struct zcopy_submit *s);
int zcopy_ctx_cancel(struct zcopy_ctx *ctx, u64 user_data);
u64 zcopy_ctx_budget(void);
void zcopy_ctx_run_deferred(struct zcopy_ctx *ctx, u64 *budget);
void zcopy_ctx_call_begin(struct zcopy_ctx *ctx);
void zcopy_ctx_call_end(struct zcopy_ctx *ctx);
int zcopy_ctx_setup_rings(struct zcopy_ctx *ctx, const struct zcopy_rings *p);

int zcopy_ctx_charge(struct zcopy_ctx *ctx, u64 bytes, u64 held);
void zcopy_ctx_uncharge(struct zcopy_ctx *ctx, u64 bytes);

#endif /* ZCOPY_CTX_H */
