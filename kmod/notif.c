// SPDX-License-Identifier: GPL-2.0
/*
 * Notification: the network stack has let go of a transfer's pages.
 *
 * A transfer sent with a ubuf_info of its own (ZCOPY_F_RELEASE and
 * ZCOPY_F_DONTCACHE; send.c) holds one reference on it until it has
 * handed its last byte to the socket, and every skb that carries its
 * pages holds one more: TCP calls zcopy_uarg_complete() as each lets go,
 * as it does for io_uring's SEND_ZC.  (On a kTLS socket no skb holds it:
 * ktls_release.c drops the transfer's own when the TLS layer lets go.)
 * The last call is the moment the
 * file's pages are no longer in use.  The user's locked memory goes back
 * then; the rest (counting, dropping a ZCOPY_F_DONTCACHE range, posting
 * the release completion) is the release work's, on the module's
 * workqueue.
 *
 * zcopy_uarg_complete() may run in softirq, so it only counts and
 * schedules.  The release work runs as the kworker it is, not as the
 * submitter: it reads no file and sends nothing, it only drops clean
 * page-cache pages the transfer itself read in, and posts.
 */

#include <linux/mm.h>
#include <linux/skbuff.h>
#include <linux/workqueue.h>

#include "compat.h"
#include "ctx.h"
#include "limits.h"
#include "notif.h"
#include "stats.h"
#include "xfer.h"

/*
 * The network stack has dropped its last reference to the pages.  The
 * stack copied them after all if any skb was copied (local delivery).
 *
 * With ZCOPY_F_DONTCACHE, the pages are dropped first; one still held
 * (see dontcache.c) is tried again after 1, 2, 4 ... ms, ZCOPY_DROP_TRIES
 * times (about two seconds) at most, and then left cached: by then it
 * is someone else's.  The release completion waits through the first
 * ZCOPY_DROP_HOLD tries only, which cover the stack's own last frags;
 * the rest go on after it, so that another holder of the pages cannot
 * hold the completion up, nor the transfer's place in its context's
 * limits once the completion has been read (zcopy_xfer_unhold()).
 */
static void __zcopy_notif_released(struct zcopy_xfer *x)
{
	bool busy = false;

	if (!test_and_set_bit(ZCOPY_XFER_RELEASED, &x->state)) {
		zcopy_stat_add(x->ctx->stats, ZCOPY_A_STATS_PAGES, -(s64)x->pages);
		if (test_bit(ZCOPY_XFER_COPIED, &x->state))
			zcopy_stat_add(x->ctx->stats, ZCOPY_A_STATS_BYTES_COPIED,
				       x->bytes_zerocopy);
	}
	if (x->flags & ZCOPY_F_DONTCACHE)
		busy = zcopy_dontcache_drop_gaps(&x->gaps, x->file) &&
		       x->drop_tries < ZCOPY_DROP_TRIES;
	if (busy && x->drop_tries == ZCOPY_DROP_HOLD)
		zcopy_xfer_unhold(x);
	/* Once: when the drop is done, or when it has held long enough. */
	if ((x->flags & ZCOPY_F_RELEASE) &&
	    (x->drop_tries < ZCOPY_DROP_HOLD ? !busy :
	     x->drop_tries == ZCOPY_DROP_HOLD))
		zcopy_xfer_post(x);
	if (busy) {
		queue_delayed_work(zcopy_wq, &x->release_work,
				   msecs_to_jiffies(1U << x->drop_tries++));
		return;
	}
	zcopy_xfer_put(x);
}

static void zcopy_notif_released(struct work_struct *work)
{
	struct zcopy_xfer *x = container_of(to_delayed_work(work),
					    struct zcopy_xfer, release_work);

	zcopy_work_kcov(x->ctx);	/* the put may free x, not the code */
	__zcopy_notif_released(x);
	kcov_remote_stop();
}

/*
 * Called once per skb that carried our pages as it is freed, and once
 * for the transfer's own reference.  Any context, including softirq.
 */
static void zcopy_uarg_complete(struct sk_buff *skb, struct ubuf_info *uarg,
				bool zerocopy_success)
{
	struct zcopy_xfer *x = container_of(uarg, struct zcopy_xfer, uarg);

	if (!zerocopy_success)
		set_bit(ZCOPY_XFER_COPIED, &x->state);
	if (!refcount_dec_and_test(&uarg->refcnt))
		return;
	/*
	 * The pages are the stack's no more: give the user's locked memory
	 * back now (safe in any context, as MSG_ZEROCOPY does), not when
	 * the work gets to run.
	 */
	mm_unaccount_pinned_pages(&x->mmp);
	queue_delayed_work(zcopy_wq, &x->release_work, 0);
}

ZCOPY_DEFINE_UBUF_OPS(zcopy_uarg_ops, zcopy_uarg_complete);

/* Set up @x's ubuf_info, which it holds one reference on, and its work. */
void zcopy_notif_init(struct zcopy_xfer *x)
{
	zcopy_ubuf_set_ops(&x->uarg, zcopy_uarg_ops);
	refcount_set(&x->uarg.refcnt, 1);
	x->uarg.flags = SKBFL_ZEROCOPY_FRAG | SKBFL_SHARED_FRAG |
			SKBFL_DONT_ORPHAN;
	INIT_DELAYED_WORK(&x->release_work, zcopy_notif_released);
}

/*
 * @x has handed its last byte to the socket: drop its own reference on
 * the ubuf_info, so that the last skb to let go completes it (or this
 * call, if none holds any).
 */
void zcopy_notif_put(struct zcopy_xfer *x)
{
	zcopy_uarg_complete(NULL, &x->uarg, true);
}
