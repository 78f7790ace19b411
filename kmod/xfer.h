/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A transfer: one submitted file range, or a buffer of the caller's
 * bytes (ZCOPY_F_BUFFER), on its way to a socket.
 *
 * Its life has two ends that can come in either order: the reader
 * consuming its completion record, and the network stack releasing the
 * last page it was handed (the ubuf_info callback; for a transfer that
 * does not ask for the release, the hand-off of its last byte).  Each
 * holds one reference; the transfer is freed when both are done.
 */
#ifndef ZCOPY_XFER_H
#define ZCOPY_XFER_H

#include <linux/refcount.h>
#include <linux/skbuff.h>
#include <linux/workqueue.h>

#include "dontcache.h"
#include "events.h"
#include "limits.h"
#include "owner.h"
#include "range.h"

struct socket;
struct zcopy_ctx;
struct zcopy_sock;
struct zcopy_user;

enum {
	ZCOPY_XFER_STARTED,	/* a pass has begun sending it */
	ZCOPY_XFER_CANCEL,	/* stop at the next chunk boundary */
	ZCOPY_XFER_COPIED,	/* the stack copied some of it after all */
	ZCOPY_XFER_HANDED,	/* nothing more will go to the socket */
	ZCOPY_XFER_RELEASED,	/* the stack has let go of every page */
	ZCOPY_XFER_NOTIFY,	/* wants the release: sent with the uarg */
	ZCOPY_XFER_GROUP_COPIED, /* a group's leader: a member was copied */
	ZCOPY_XFER_GROUP_COUNTED, /* a group's leader: a CANCEL counted it */
	ZCOPY_XFER_READ_BEHIND,	/* its first read started behind another */
	ZCOPY_XFER_TLS_UNREAD,	/* held by a kTLS watch, not looked at yet */
};

struct zcopy_xfer {
	struct ubuf_info uarg;		/* one reference per skb holding pages */
	struct zcopy_event event;	/* the completion record */
	/* In the socket's queue until handed; on kTLS, then in its watch. */
	struct list_head link;
	refcount_t ref;			/* event + uarg */
	unsigned long state;		/* ZCOPY_XFER_* bits */

	struct zcopy_ctx *ctx;
	struct list_head ctx_link;	/* in ctx->xfers */
	u64 id;				/* in the context, from 1 */
	int sock_fd;			/* as registered, for listings */
	struct file *file;		/* NULL for a ZCOPY_F_BUFFER entry */
	void *buf;			/* that entry's bytes, until handed */
	struct zcopy_user *buf_user;	/* whom they are charged to (claim.c) */
	struct zcopy_range range;	/* clipped to the size at submission */
	bool until_eof;			/* no size to clip to: up to its EOF */
	bool buf_inline;		/* in inline_buf: from the other cache */
	bool copy;			/* copy mode when submitted (send.c) */
	u64 pos;			/* next byte to hand to the socket */
	u32 flags;			/* ZCOPY_F_* */
	struct mmpin mmp;		/* the range, in the user's locked_vm */
	struct zcopy_owner owner;	/* the submitter, for the workers */

	/* Touched only by the socket's passes, then by the release work. */
	u64 bytes_zerocopy;		/* handed by page reference */
	unsigned long pages;		/* page references handed */
	bool copied_at_send;		/* the route could not take pages */
	bool scanned;			/* gaps recorded (ZCOPY_F_DONTCACHE) */
	pgoff_t unread;			/* first page no read has covered */
	struct zcopy_gaps gaps;
	struct delayed_work release_work;
	/* kTLS: what tells the release, and the records it waits for. */
	struct zcopy_ktls_watch *tls_watch;
	u64 tls_records;
	unsigned int drop_tries;	/* of the gaps, still held by the stack */
	/* Holders of its place in the context's limits: zcopy_xfer_unhold(). */
	atomic_t charge_holds;

	/*
	 * A response completed as one (ZCOPY_F_GROUP): each member points
	 * at its last entry, the leader, which alone posts, once every
	 * member (itself included) would have.
	 */
	struct zcopy_xfer *group;	/* the leader, or NULL */
	atomic_t group_left;		/* leader: members yet to complete */
	atomic64_t group_bytes;		/* leader: the bytes they handed */
	atomic_t group_error;		/* leader: why the response ended */

	/* A small ZCOPY_F_BUFFER entry's bytes (zcopy_buffer_copy()). */
	u8 inline_buf[];
};

/*
 * A ZCOPY_F_BUFFER entry's bytes, from their copy out of user space to
 * the transfer that takes them: up to ZCOPY_BUFFER_INLINE bytes in
 * @small, on the submitter's stack, copied into the transfer's own
 * record (a header costs no allocation of its own); more in @heap,
 * which the transfer takes over.
 */
struct zcopy_buffer {
	void *heap;
	u8 small[ZCOPY_BUFFER_INLINE];
};

static inline bool zcopy_buffer_is_inline(const struct zcopy_sqe *sqe)
{
	return sqe->flags & ZCOPY_F_BUFFER && sqe->len <= ZCOPY_BUFFER_INLINE;
}

extern struct workqueue_struct *zcopy_wq;

int zcopy_sqe_check(const struct zcopy_sqe *sqe);
int zcopy_buffer_copy(const struct zcopy_sqe *sqe, struct zcopy_buffer *buf);
void zcopy_buffer_free(struct zcopy_buffer *buf);
int zcopy_xfer_create(struct zcopy_ctx *ctx, const struct zcopy_sqe *sqe,
		      struct zcopy_buffer *buf, struct zcopy_sock *zs, u64 held,
		      struct zcopy_xfer **xp);
void zcopy_xfer_drop(struct zcopy_xfer *x);
void zcopy_xfer_group(struct list_head *xfers, unsigned int n);
void zcopy_xfer_unhold(struct zcopy_xfer *x);
void zcopy_xfer_finish(struct zcopy_xfer *x, int err);

/*
 * Why @x stopped, given @err from its last send (0: it got to the end
 * of its file): a file that now ends before the range did (truncated
 * since SUBMIT) is -ENODATA, unless it had no size to clip the range to.
 */
static inline int zcopy_xfer_ended(const struct zcopy_xfer *x, int err)
{
	if (!err && x->pos < x->range.end && !x->until_eof)
		return -ENODATA;
	return err;
}

u32 zcopy_xfer_state(const struct zcopy_xfer *x);
/* For the release (notif.c). */
void zcopy_xfer_post(struct zcopy_xfer *x);
void zcopy_xfer_put(struct zcopy_xfer *x);

int zcopy_engine_init(void);
void zcopy_engine_exit(void);

#endif /* ZCOPY_XFER_H */
