/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Module-wide counters.  Atomic, so they can be read at any time from
 * debugfs (and, later, netlink) without stopping the engine.
 */
#ifndef ZCOPY_STATS_H
#define ZCOPY_STATS_H

#include <linux/atomic.h>

enum zcopy_stat {
	ZCOPY_STAT_CONTEXTS,		/* open contexts */
	ZCOPY_STAT_SOCKETS,		/* registered sockets */
	ZCOPY_STAT_TRANSFERS,		/* transfers alive (not yet freed) */
	ZCOPY_STAT_SUBMITTED,		/* transfers accepted by SUBMIT */
	ZCOPY_STAT_COMPLETED,		/* completions with res >= 0 */
	ZCOPY_STAT_FAILED,		/* completions with an error */
	ZCOPY_STAT_CANCELLED,		/* completions with -ECANCELED */
	ZCOPY_STAT_BYTES_ZEROCOPY,	/* handed to sockets by page reference */
	ZCOPY_STAT_BYTES_COPIED,	/* of those, copied by the stack after all */
	ZCOPY_STAT_PAGES,		/* page references handed, not released */
	ZCOPY_STAT_BYTES_INLINE,	/* handed within SUBMIT itself */
	ZCOPY_STAT_WORKER_PASSES,	/* passes run by a context's worker */
	ZCOPY_STAT_READS_ASYNC,		/* disk reads waited for, no thread */
	ZCOPY_STAT_READS_BLOCKING,	/* reads through the file's own read */
	ZCOPY_STAT_DISK_WAITING,	/* transfers waiting for the disk now */
	ZCOPY_STAT_READ_THREADS,	/* threads in a blocking read now */
	ZCOPY_STAT_MAX,
};

extern atomic64_t zcopy_stats[ZCOPY_STAT_MAX];

static inline void zcopy_stat_add(enum zcopy_stat s, s64 delta)
{
	atomic64_add(delta, &zcopy_stats[s]);
}

void zcopy_stats_init(void);
void zcopy_stats_exit(void);

#endif /* ZCOPY_STATS_H */
