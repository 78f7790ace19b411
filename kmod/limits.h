/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Per-context and per-user limits, in one place so that configuration (netlink) has a
 * single thing to change.  Read with READ_ONCE() at each submission: a
 * new value applies to the next transfer, never to one already accepted.
 */
#ifndef ZCOPY_LIMITS_H
#define ZCOPY_LIMITS_H

#include <linux/types.h>

struct zcopy_limits {
	u32 max_inflight;	/* transfers a context may hold */
	u64 max_pinned;		/* bytes below which it takes more */
	u32 max_user_sockets;	/* registrations one user may hold */
};

extern struct zcopy_limits zcopy_limits;

void zcopy_limits_init(void);

#endif /* ZCOPY_LIMITS_H */
