/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A registered socket: the context's epitem, and the queue of transfers
 * going out through it, one at a time, in submission order.
 */
#ifndef ZCOPY_SOCK_H
#define ZCOPY_SOCK_H

#include <linux/list.h>
#include <linux/spinlock.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include "claim.h"
#include "events.h"

struct socket;
struct zcopy_xfer;

struct zcopy_sock {
	struct zcopy_item item;		/* key: the socket's file and fd */
	struct socket *sock;
	struct zcopy_claim claim;	/* the socket is ours alone */

	/* Protects queue, and ZCOPY_XFER_STARTED of the transfers on it. */
	spinlock_t lock;
	struct list_head queue;		/* transfers not yet fully handed */

	struct work_struct work;	/* sends the head of the queue */
	struct wait_queue_entry wait;	/* on the socket: resumes the work */
	struct wait_queue_head *whead;
};

struct zcopy_sock *zcopy_sock_create(int fd);
void zcopy_sock_destroy(struct zcopy_sock *zs);
void zcopy_sock_queue(struct zcopy_sock *zs, struct zcopy_xfer *x);
unsigned int zcopy_sock_cancel(struct zcopy_sock *zs, u64 user_data);

#endif /* ZCOPY_SOCK_H */
