// SPDX-License-Identifier: GPL-2.0
/*
 * Contexts: registration, submission, cancellation and limits.
 *
 * Lock order, outermost first:
 *
 *   ctx->ev.mtx    the registered sockets (events.c); held across one
 *                  SUBMIT entry, CANCEL, REGISTER, UNREGISTER and close,
 *                  so a socket cannot be unregistered under a submission.
 *                  Never held while touching user memory: a fault that
 *                  does not resolve (userfaultfd, FUSE) must stall only
 *                  the caller that took it, not every user of the context
 *   zs->push_mtx   a pass over one socket's queue (sock.c); never held
 *                  together with ev.mtx, which SUBMIT lets go of before
 *                  its inline pass; a pass may sleep in a file's read
 *   zs->send_mtx   one send to the socket (sock.c), under either of the
 *                  above; it is what unregistration waits for, never a
 *                  pass
 *   zcopy_claims_lock  module-wide registrations (claim.c)
 *   zs->lock       one socket's transfer queue (sock.c)
 *   ctx->ev.lock   the ready list (events.c); taken alone, never while
 *                  holding zs->lock
 *
 * and, for the netlink listings, apart from those:
 *
 *   zcopy_contexts' xa_lock   the context registry; held while a context
 *                             is read, so that it cannot be freed
 *   ctx->xfers_lock           the context's list of live transfers
 *
 * A context outlives the close() of its file while any transfer lives:
 * the network stack may hold the file's pages long after.  Each context
 * holds a module reference for that time, so the module cannot go away
 * under a page release callback; it is dropped last, from process
 * context (see zcopy_ctx_put()).
 *
 * Transfers run as their submitter, on the context's own workqueue when
 * they cannot go at once (sock.c, owner.c).
 */

#include <linux/cred.h>
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
#include "sock.h"
#include "stats.h"
#include "xfer.h"

struct zcopy_limits zcopy_limits = {
	.max_inflight	= ZCOPY_DEFAULT_MAX_INFLIGHT,
	.max_pinned	= ZCOPY_DEFAULT_MAX_PINNED,
};

/* The limits that depend on the machine: at module load. */
void zcopy_limits_init(void)
{
	zcopy_limits.max_user_sockets = zcopy_default_max_user_sockets();
}

DEFINE_XARRAY_ALLOC1(zcopy_contexts);
static u32 zcopy_next_ctx_id;

/*
 * How many of a context's sockets may be in a pass on its workqueue at
 * once: the bound on the threads one context can keep sleeping on files
 * that do not answer.  Other contexts do not wait behind them: each has
 * its own workqueue.
 */
#define ZCOPY_CTX_MAX_WORKERS	8

static void zcopy_ctx_free(struct zcopy_ctx *ctx)
{
	xa_erase(&zcopy_contexts, ctx->id);
	destroy_workqueue(ctx->wq);
	put_net(ctx->net);
	put_pid(ctx->pid);
	mutex_destroy(&ctx->ev.mtx);
	kfree(ctx);
	zcopy_stat_add(ZCOPY_STAT_CONTEXTS, -1);
	module_put(THIS_MODULE);
}

static void zcopy_ctx_free_work(struct work_struct *work)
{
	zcopy_ctx_free(container_of(work, struct zcopy_ctx, free_work));
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
	spin_lock_init(&ctx->xfers_lock);
	INIT_LIST_HEAD(&ctx->xfers);
	INIT_WORK(&ctx->free_work, zcopy_ctx_free_work);
	ctx->wq = alloc_workqueue("zcopy", WQ_UNBOUND, ZCOPY_CTX_MAX_WORKERS);
	if (!ctx->wq)
		goto err_free;
	/* Cyclic, so that an id seen in a listing is not soon reused. */
	if (xa_alloc_cyclic(&zcopy_contexts, &ctx->id, ctx, xa_limit_31b,
			    &zcopy_next_ctx_id, GFP_KERNEL_ACCOUNT) < 0)
		goto err_wq;
	__module_get(THIS_MODULE);
	zcopy_stat_add(ZCOPY_STAT_CONTEXTS, 1);
	return ctx;

err_wq:
	destroy_workqueue(ctx->wq);
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
 * or release, or with a registration's last pass.  A worker cannot
 * destroy the workqueue it may be running on, so from a worker the
 * context is freed by the module's own workqueue instead, whose
 * destruction at module exit waits for it: the module reference that
 * the context holds is dropped there, last, so the module cannot go
 * away under it.
 */
void zcopy_ctx_put(struct zcopy_ctx *ctx)
{
	if (!refcount_dec_and_test(&ctx->ref))
		return;
	if (current_work())
		queue_work(zcopy_wq, &ctx->free_work);
	else
		zcopy_ctx_free(ctx);
}

/* The file is closing: cancel everything and drop unread completions. */
void zcopy_ctx_close(struct zcopy_ctx *ctx)
{
	struct zcopy_item *item;

	mutex_lock(&ctx->ev.mtx);
	while ((item = zcopy_events_first(&ctx->ev))) {
		zcopy_events_remove(&ctx->ev, item);
		zcopy_sock_destroy(container_of(item, struct zcopy_sock, item));
	}
	mutex_unlock(&ctx->ev.mtx);
	zcopy_events_close(&ctx->ev);
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

/* The registration of @fd; NULL if there is none.  Under ev.mtx. */
static struct zcopy_sock *zcopy_ctx_find(struct zcopy_ctx *ctx, int fd,
					 int *err)
{
	struct zcopy_item *item;
	struct file *file;

	file = fget(fd);
	if (!file) {
		*err = -EBADF;
		return NULL;
	}
	item = zcopy_events_find(&ctx->ev, file, fd);
	fput(file);
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
 * max_inflight transfers, and new ones only while the bytes held are
 * below max_pinned.  Submissions are serialized by ev.mtx.
 */
bool zcopy_ctx_charge(struct zcopy_ctx *ctx, u64 bytes)
{
	if (atomic_read(&ctx->inflight) >= READ_ONCE(zcopy_limits.max_inflight) ||
	    atomic64_read(&ctx->pinned) >= READ_ONCE(zcopy_limits.max_pinned))
		return false;
	atomic_inc(&ctx->inflight);
	atomic64_add(bytes, &ctx->pinned);
	return true;
}

void zcopy_ctx_uncharge(struct zcopy_ctx *ctx, u64 bytes)
{
	atomic64_sub(bytes, &ctx->pinned);
	atomic_dec(&ctx->inflight);
}

/* On success, @zsp holds a reference for zcopy_sock_push_now(). */
static int zcopy_ctx_submit_one(struct zcopy_ctx *ctx,
				const struct zcopy_sqe *sqe,
				struct zcopy_sock **zsp)
{
	struct zcopy_xfer *x;
	struct zcopy_sock *zs;
	int ret;

	if (sqe->flags & ~ZCOPY_F_ALL || sqe->reserved0 ||
	    sqe->reserved[0] || sqe->reserved[1])
		return -EINVAL;
	if (sqe->flags & ~ZCOPY_F_SUPPORTED)
		return -EOPNOTSUPP;
	zs = zcopy_ctx_find(ctx, sqe->sock_fd, &ret);
	if (!zs)
		return ret;
	ret = zcopy_xfer_create(ctx, sqe, zs->item.file, &x);
	if (ret)
		return ret;
	zcopy_stat_add(ZCOPY_STAT_SUBMITTED, 1);
	zcopy_sock_queue(zs, x);
	zcopy_sock_get(zs);
	*zsp = zs;
	return 0;
}

/* Returns how many entries were accepted, or the first one's error. */
int zcopy_ctx_submit(struct zcopy_ctx *ctx, const struct zcopy_submit *s)
{
	const struct zcopy_sqe __user *usqe = u64_to_user_ptr(s->sqes);
	unsigned int nr = min_t(u32, s->nr, INT_MAX);
	struct zcopy_sock *zs;
	struct zcopy_sqe sqe;
	unsigned int i;
	int ret = 0;

	for (i = 0; i < nr; i++) {
		/* Before locking: see the lock order above. */
		if (copy_from_user(&sqe, &usqe[i], sizeof(sqe))) {
			ret = -EFAULT;
			break;
		}
		mutex_lock(&ctx->ev.mtx);
		ret = zcopy_ctx_submit_one(ctx, &sqe, &zs);
		mutex_unlock(&ctx->ev.mtx);
		if (ret)
			break;
		/* Inline first: see sock.c. */
		zcopy_sock_push_now(zs);
		zcopy_sock_put(zs);
		cond_resched();
	}
	return i ? i : ret;
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
