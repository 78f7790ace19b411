// SPDX-License-Identifier: GPL-2.0
/*
 * The release of a transfer's pages on a kTLS socket (ZCOPY_F_RELEASE,
 * ZCOPY_F_DONTCACHE): when the TLS layer has let go of them.
 *
 * On plain TCP every skb carrying the pages holds the transfer's
 * ubuf_info (notif.c).  The TLS layer takes the pages by references of
 * its own into a record's plaintext, encrypts the record into pages of
 * its own, and drops the plaintext when it has handed that ciphertext to
 * TCP; it calls no one then.  What it does show, under the socket's
 * lock, is enough to tell: the sequence number of the next record it
 * will encrypt (rec_seq), the encrypted records it still holds, in
 * order (tx_list, with their plaintext), and whether a record is open
 * (pending_open_record_frags).  Records are numbered in order, so
 *
 *	records let go = rec_seq - records on tx_list,
 *
 * and a transfer whose last byte went into the stream when rec_seq was
 * S (S + 1 with a record open: its last byte is in it) is released once
 * that count reaches it.  The cipher read the pages: the release
 * completion says the data was copied (ZCOPY_CQE_F_COPIED), truthfully.
 *
 * When: right after a transfer's last send (zcopy_ktls_watch_hold()),
 * after a pass closes the open record (zcopy_ktls_watch_check()), and
 * otherwise by a delayed work, rearmed by the socket's write-space
 * wake-ups (zcopy_ktls_watch_kick()), which come before the TLS layer's
 * own work hands its waiting records to TCP, and by itself, backing off
 * from a jiffy to a second while nothing changes.
 *
 * A socket that failed (a reset, SHUT_WR) keeps its records, and their
 * pages, until it is closed: the watch outlives the registration, with a
 * reference to the sock only, and sees the close as the TLS context gone
 * (tls_sk_proto_close() clears it, with every record freed, under the
 * socket's lock).
 *
 * No look sleeps on the socket's lock, which a send() of its owner
 * faulting on user memory may hold for as long as it likes: it looks
 * under the spinlock, when no one owns the socket, as softirq does, and
 * otherwise the work comes back later.
 *
 * A privileged sockmap program that redirects the plaintext (as it could
 * sendfile()'s) takes the pages out of the count, and their transfer may
 * be released before the other socket lets go of them.  A kernel that
 * lets TLS 1.3 change the transmit keys restarts the numbers: the count
 * would hold releases back until the socket is closed.
 *
 * Locks: w->lock and the socket's spinlock are leaves, never held
 * together; both may be taken under the pass's mutexes.
 */

#include <linux/jiffies.h>
#include <linux/slab.h>
#include <linux/workqueue.h>
#include <net/sock.h>
#include <net/tls.h>

#include "compat.h"
#include "ktls.h"
#include "notif.h"
#include "xfer.h"

struct zcopy_ktls_watch {
	struct sock *sk;		/* a reference: it may outlive the file */
	spinlock_t lock;		/* guards held, delay, orphan */
	struct list_head held;		/* handed transfers, in stream order */
	struct delayed_work work;
	unsigned long delay;		/* jiffies until the work looks again */
	u64 holds;			/* transfers held so far */
	bool orphan;			/* the registration is gone */
	unsigned long kicked;		/* bit 0: kicked since the work ran */
};

#define ZCOPY_KTLS_WATCH_MAX_DELAY	HZ
/*
 * Encrypted records counted at most, with bottom halves off: a socket
 * whose owner left more waiting (a peer that reads nothing, after many
 * tiny records) is looked at again once TCP has taken some.  The
 * transfers it holds up are that owner's own.
 */
#define ZCOPY_KTLS_COUNT_MAX		1024

/* What one look at the TLS layer saw (zcopy_ktls_look()). */
struct zcopy_ktls_seen {
	u64 holds;	/* before it: transfers it comes after */
	u64 done;	/* records the layer let go of */
	u64 needed;	/* for all it took so far to be let go of */
	bool closed;	/* gone, with all of them */
};

/*
 * Under the socket's lock: see above; false if there is nothing to read
 * now.  The numbers start where the user set them (TLS_TX's rec_seq),
 * so they are compared modulo 2^64.  The layer is gone once the socket
 * is closed: its context cleared, or, when a NIC decrypts what is
 * received and the context stays, the socket's own protocol back in
 * place.  While the close runs it may let go of the socket's lock (to
 * send what waits), with the record number already freed (6.1): it has
 * said so before (BIT_TX_CLOSING), and the look comes back later.
 */
static bool zcopy_ktls_records(struct sock *sk, struct zcopy_ktls_seen *seen)
{
	struct tls_context *ctx = tls_get_ctx(sk);
	struct tls_sw_context_tx *tx;
	struct list_head *pos;
	unsigned int held = 0;
	u64 seq;

	seen->closed = !ctx || sock_flag(sk, SOCK_DEAD) ||
		       READ_ONCE(sk->sk_prot) == ctx->sk_proto;
	if (seen->closed)
		return true;
	tx = tls_sw_ctx_tx(ctx);
	if (test_bit(BIT_TX_CLOSING, &tx->tx_bitmask))
		return false;
	list_for_each(pos, &tx->tx_list)
		if (++held > ZCOPY_KTLS_COUNT_MAX)
			return false;
	seq = get_unaligned_be64(ctx->tx.rec_seq);
	seen->done = seq - held;
	seen->needed = seq + ctx->pending_open_record_frags;
	return true;
}

/*
 * A look that never waits for the socket's lock, which a send() of its
 * owner faulting on user memory may hold for as long as it likes: under
 * the spinlock, when no one owns the socket, as softirq looks.  False if
 * someone does, or there was nothing to read.  What it sees comes
 * after the last sends of the transfers held before it began
 * (seen->holds).
 */
static bool zcopy_ktls_look(struct zcopy_ktls_watch *w,
			    struct zcopy_ktls_seen *seen)
{
	struct sock *sk = w->sk;
	bool seen_some = false;

	spin_lock(&w->lock);
	seen->holds = w->holds;
	spin_unlock(&w->lock);
	spin_lock_bh(&sk->sk_lock.slock);
	if (!sock_owned_by_user(sk))
		seen_some = zcopy_ktls_records(sk, seen);
	spin_unlock_bh(&sk->sk_lock.slock);
	return seen_some;
}

/*
 * Under w->lock: whether @seen says @x is released.  A transfer held
 * with no look yet (ZCOPY_XFER_TLS_UNREAD: tls_records is its place
 * among the holds) is given what it waits for by the first look that
 * began after it was held: any look after its last send gives at least
 * that.
 */
static bool zcopy_ktls_released(struct zcopy_xfer *x,
				const struct zcopy_ktls_seen *seen)
{
	if (seen->closed)
		return true;
	if (test_bit(ZCOPY_XFER_TLS_UNREAD, &x->state)) {
		if (x->tls_records > seen->holds)
			return false;
		x->tls_records = seen->needed;
		clear_bit(ZCOPY_XFER_TLS_UNREAD, &x->state);
	}
	return (s64)(seen->done - x->tls_records) >= 0;
}

/*
 * Let the transfers that @seen says are released go (@seen NULL: none
 * looked at).  The rest wait for
 * the work, which looks again after @delay (on progress, after a jiffy),
 * or sooner when kicked.  Returns whether the watch is orphaned and
 * empty: the work, which alone runs then, frees it.
 */
static bool zcopy_ktls_watch_release(struct zcopy_ktls_watch *w,
				     const struct zcopy_ktls_seen *seen,
				     unsigned long delay)
{
	struct zcopy_xfer *x, *tmp;
	LIST_HEAD(released);
	bool gone;

	spin_lock(&w->lock);
	list_for_each_entry_safe(x, tmp, &w->held, link) {
		if (!seen)
			break;
		if (zcopy_ktls_released(x, seen))
			list_move_tail(&x->link, &released);
	}
	gone = w->orphan && list_empty(&w->held);
	if (!list_empty(&w->held)) {
		w->delay = list_empty(&released) ? delay : 1;
		queue_delayed_work(zcopy_wq, &w->work, w->delay);
	}
	spin_unlock(&w->lock);

	list_for_each_entry_safe(x, tmp, &released, link) {
		list_del_init(&x->link);
		set_bit(ZCOPY_XFER_COPIED, &x->state);	/* by the cipher */
		zcopy_notif_put(x);
	}
	return gone;
}

static void zcopy_ktls_watch_free(struct zcopy_ktls_watch *w)
{
	sock_put(w->sk);
	kfree(w);
}

static void zcopy_ktls_watch_work(struct work_struct *work)
{
	struct zcopy_ktls_watch *w = container_of(to_delayed_work(work),
						  struct zcopy_ktls_watch,
						  work);
	struct zcopy_ktls_seen seen;
	unsigned long delay;
	bool looked;

	clear_bit(0, &w->kicked);	/* a wake-up from now on kicks again */
	spin_lock(&w->lock);
	delay = min_t(unsigned long, w->delay * 2, ZCOPY_KTLS_WATCH_MAX_DELAY);
	spin_unlock(&w->lock);
	looked = zcopy_ktls_look(w, &seen);
	if (!zcopy_ktls_watch_release(w, looked ? &seen : NULL, delay))
		return;
	/*
	 * Orphaned and empty: nothing queues the work but itself now (no
	 * registration, so no wake-up and no pass), and it is not queued.
	 */
	zcopy_ktls_watch_free(w);
}

/* For a socket registered as software kTLS (zcopy_ktls_check()). */
struct zcopy_ktls_watch *zcopy_ktls_watch_create(struct socket *sock)
{
	struct zcopy_ktls_watch *w;

	w = kzalloc(sizeof(*w), GFP_KERNEL_ACCOUNT);
	if (!w)
		return NULL;
	sock_hold(sock->sk);
	w->sk = sock->sk;
	spin_lock_init(&w->lock);
	INIT_LIST_HEAD(&w->held);
	INIT_DELAYED_WORK(&w->work, zcopy_ktls_watch_work);
	w->delay = 1;
	return w;
}

/*
 * The registration is freed: the work frees the watch, at once if it
 * holds nothing, else with its last transfer's release, which may wait
 * for the socket to be closed.  Any context: it does not sleep.
 */
void zcopy_ktls_watch_orphan(struct zcopy_ktls_watch *w)
{
	spin_lock(&w->lock);
	w->orphan = true;
	spin_unlock(&w->lock);
	mod_delayed_work(zcopy_wq, &w->work, 0);
}

/*
 * @x has handed its last byte to the socket, in a pass: its release
 * waits until the TLS layer has let go of the record that byte is in.
 */
void zcopy_ktls_watch_hold(struct zcopy_ktls_watch *w, struct zcopy_xfer *x)
{
	struct zcopy_ktls_seen seen;
	bool looked;

	set_bit(ZCOPY_XFER_TLS_UNREAD, &x->state);
	spin_lock(&w->lock);
	x->tls_records = ++w->holds;
	list_add_tail(&x->link, &w->held);
	spin_unlock(&w->lock);
	looked = zcopy_ktls_look(w, &seen);
	zcopy_ktls_watch_release(w, looked ? &seen : NULL, 1);
}

/* A pass closed the open record, and may have let go of the held ones. */
void zcopy_ktls_watch_check(struct zcopy_ktls_watch *w)
{
	struct zcopy_ktls_seen seen;

	/* An unlocked peek: a transfer held meanwhile is looked at then. */
	if (data_race(list_empty(&w->held)))
		return;
	if (zcopy_ktls_look(w, &seen))
		zcopy_ktls_watch_release(w, &seen, 1);
}

/*
 * Write space on the socket, in softirq: the TLS layer's work is about
 * to hand its waiting records to TCP.  Look soon after: once until the
 * work runs, so that a stream of wake-ups cannot keep putting it off.
 */
void zcopy_ktls_watch_kick(struct zcopy_ktls_watch *w)
{
	/* Unlocked: a transfer held meanwhile arms the work itself. */
	if (!data_race(list_empty(&w->held)) && !test_and_set_bit(0, &w->kicked))
		mod_delayed_work(zcopy_wq, &w->work, 1);
}
