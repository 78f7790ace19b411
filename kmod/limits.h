/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every bound of the engine, and the tunables, in one place (as
 * WireGuard keeps its enum limits); the files that use them say why
 * each has the value it has.
 *
 * The tunables (struct zcopy_limits, limits.c) are changed through
 * netlink (ZCOPY_CMD_CONFIG_SET) within the ranges and from the defaults
 * that the uapi header gives.  They are read with READ_ONCE() at each
 * submission or registration: a new value applies to the next one, never
 * to one already accepted.
 */
#ifndef ZCOPY_LIMITS_H
#define ZCOPY_LIMITS_H

#include <linux/jiffies.h>
#include <linux/sizes.h>
#include <linux/types.h>

struct zcopy_limits {
	u32 max_inflight;	/* transfers a context may hold */
	u64 max_pinned;		/* bytes below which it takes more */
	u32 max_user_sockets;	/* registrations one user may hold */
	u64 submit_budget;	/* bytes one call sends inline */
	u32 deferred_timeout_ms; /* then how long the rest waits for a call */
	bool copy_mode;		/* file data copied, no page handed (send.c) */
};

extern struct zcopy_limits zcopy_limits;

void zcopy_limits_init(void);

/* What one caller can make the kernel run or hold. */
#define ZCOPY_DONTCACHE_MAX_GAPS 256	/* runs recorded (dontcache.c) */
#define ZCOPY_MAX_USER_BUFFERED	SZ_64M	/* ZCOPY_F_BUFFER bytes (claim.c) */
#define ZCOPY_BUFFER_INLINE	256	/* kept inside the transfer (xfer.c) */

/* One pass over a socket (sock.c, send.c). */
#define ZCOPY_PUSH_MAX		SZ_1M	/* bytes per read, and per cached run */
#define ZCOPY_SEND_PAGES	32	/* pages per sendmsg() */
#define ZCOPY_PARK_RETRIES	2	/* then the retry timer too */
#define ZCOPY_RETRY_DELAY	(HZ / 50)
#define ZCOPY_READ_BEHIND	4	/* transfers read for behind a disk wait */

/* ZCOPY_F_DONTCACHE (send.c, notif.c). */
#define ZCOPY_DONTCACHE_RA	(ZCOPY_PUSH_MAX >> PAGE_SHIFT)	/* pages */
#define ZCOPY_DONTCACHE_SCAN_INLINE	SZ_64M	/* larger: walked in a worker */
#define ZCOPY_DROP_HOLD		3	/* drop tries the completion waits */
#define ZCOPY_DROP_TRIES	11	/* drop tries in all, ~2 s */

#endif /* ZCOPY_LIMITS_H */
