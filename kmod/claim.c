// SPDX-License-Identifier: GPL-2.0
/*
 * Registration claims.
 *
 * A context keeps one socket's transfers in order, but it knows nothing
 * of other contexts, nor of a second descriptor for the same socket in
 * its own tree: two registrations of one socket would interleave two
 * transfers on the wire.  So a socket is registered at most once,
 * module-wide, whatever descriptor or context registers it; another
 * attempt gets -EBUSY until the first registration ends.  A socket has
 * one struct socket whichever descriptor refers to it (dup(),
 * SCM_RIGHTS, pidfd_getfd()), so that is the key.
 *
 * A registration also keeps its socket alive after close(), so it is
 * something a user makes the kernel hold.  As with epoll's
 * max_user_watches, each user (the real uid of the registering task)
 * holds at most zcopy_limits.max_user_sockets registrations, counted
 * across all of its contexts; past that, -ENOSPC.
 *
 * A registration counts against its user until it is freed, not only
 * until it is unregistered: one whose last pass is stuck in a file's
 * read (a FUSE server that never answers) still holds its socket, so it
 * must still count.  The socket itself is free for another registration
 * once the first is unregistered and sends nothing more: at once, or,
 * if a pass was under way, when that pass ends (sock.c).
 *
 * All of it but a user's buffered bytes (an atomic, below) is under
 * zcopy_claims_lock, a plain spinlock: taken in process context only,
 * and nothing else is taken inside it (LOCKING, ctx.c).
 */

#include <linux/cred.h>
#include <linux/hashtable.h>
#include <linux/mm.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/spinlock.h>

#include <linux/zcopy.h>

#include "claim.h"
#include "limits.h"

struct zcopy_user {
	struct hlist_node node;		/* in zcopy_users, by uid */
	kuid_t uid;
	unsigned int sockets;		/* registrations held; > 0 */
	atomic_long_t buffered;		/* bytes of ZCOPY_F_BUFFER entries */
};

static DEFINE_SPINLOCK(zcopy_claims_lock);
static DEFINE_HASHTABLE(zcopy_claims, 12);
static DEFINE_HASHTABLE(zcopy_users, 6);

static struct zcopy_user *zcopy_user_find(kuid_t uid)
{
	struct zcopy_user *user;

	hash_for_each_possible(zcopy_users, user, node, __kuid_val(uid))
		if (uid_eq(user->uid, uid))
			return user;
	return NULL;
}

static bool zcopy_socket_claimed(struct socket *sock)
{
	struct zcopy_claim *c;

	hash_for_each_possible(zcopy_claims, c, node, (unsigned long)sock)
		if (c->sock == sock)
			return true;
	return false;
}

/*
 * Claim @sock for the registration that embeds @c, charging it to the
 * calling user.  Returns -EBUSY if the socket is registered already,
 * -ENOSPC if the user holds as many registrations as allowed.
 */
int zcopy_claim_socket(struct zcopy_claim *c, struct socket *sock)
{
	kuid_t uid = current_uid();
	struct zcopy_user *user, *fresh;
	int ret = 0;

	/* Allocated ahead: the lock is never held over an allocation. */
	fresh = kzalloc(sizeof(*fresh), GFP_KERNEL_ACCOUNT);
	if (!fresh)
		return -ENOMEM;
	spin_lock(&zcopy_claims_lock);
	if (zcopy_socket_claimed(sock)) {
		ret = -EBUSY;
		goto out;
	}
	user = zcopy_user_find(uid);
	if ((user ? user->sockets : 0) >=
	    READ_ONCE(zcopy_limits.max_user_sockets)) {
		ret = -ENOSPC;
		goto out;
	}
	if (!user) {
		user = fresh;
		fresh = NULL;
		user->uid = uid;
		hash_add(zcopy_users, &user->node, __kuid_val(uid));
	}
	user->sockets++;
	c->sock = sock;
	c->user = user;
	hash_add(zcopy_claims, &c->node, (unsigned long)sock);
out:
	spin_unlock(&zcopy_claims_lock);
	kfree(fresh);
	return ret;
}

/*
 * Unregistered, and no send of the registration is under way: another
 * registration may claim the socket now.  Unregistration and the pass
 * it did not wait for may both get here (sock.c): the second does
 * nothing.
 */
void zcopy_unclaim_socket(struct zcopy_claim *c)
{
	spin_lock(&zcopy_claims_lock);
	if (c->sock) {
		hash_del(&c->node);
		c->sock = NULL;
	}
	spin_unlock(&zcopy_claims_lock);
}

/*
 * The bytes of ZCOPY_F_BUFFER entries are memory the kernel holds for a
 * user until they are handed to the socket (those kept inside their
 * transfer stay until its completion is read, bounded with it by the
 * context's max_inflight), which a peer that never reads can put off
 * for good: each user holds at most
 * ZCOPY_MAX_USER_BUFFERED of them, over all its registrations, as pipes
 * bound a user's buffers.  Charged to the registration's user, which
 * outlives the entries: they are handed over or cancelled before the
 * registration is freed.  No lock: an atomic, undone when over.
 */
bool zcopy_claim_charge_buffer(struct zcopy_claim *c, size_t bytes)
{
	if (atomic_long_add_return(bytes, &c->user->buffered) >
	    ZCOPY_MAX_USER_BUFFERED) {
		atomic_long_sub(bytes, &c->user->buffered);
		return false;
	}
	return true;
}

void zcopy_user_uncharge_buffer(struct zcopy_user *user, size_t bytes)
{
	atomic_long_sub(bytes, &user->buffered);
}

/* Freed: give the registration back to its user, if it was claimed. */
void zcopy_release_socket(struct zcopy_claim *c)
{
	struct zcopy_user *gone = NULL;

	if (!c->user)
		return;
	zcopy_unclaim_socket(c);
	spin_lock(&zcopy_claims_lock);
	if (!--c->user->sockets) {
		hash_del(&c->user->node);
		gone = c->user;
	}
	spin_unlock(&zcopy_claims_lock);
	kfree(gone);
	c->user = NULL;
}
