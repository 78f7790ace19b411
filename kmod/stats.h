/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Module-wide counters.  Atomic, so they can be read at any time, through
 * netlink (ZCOPY_CMD_STATS_GET) or debugfs, without stopping the engine.
 *
 * A counter is its netlink attribute: zcopy_stats[] is indexed by
 * ZCOPY_A_STATS_* (the "stats" set of Documentation/netlink/specs/
 * zcopy.yaml), so adding one takes the spec, the uapi enum, its name in
 * stats.c and the code that counts it.  Documentation/zcopy.rst says what
 * each one counts.
 */
#ifndef ZCOPY_STATS_H
#define ZCOPY_STATS_H

#include <linux/atomic.h>

#include <linux/zcopy.h>

extern atomic64_t zcopy_stats[ZCOPY_A_STATS_MAX + 1];

/* @stat: a ZCOPY_A_STATS_* attribute, never ZCOPY_A_STATS_PAD. */
static inline void zcopy_stat_add(unsigned int stat, s64 delta)
{
	atomic64_add(delta, &zcopy_stats[stat]);
}

const char *zcopy_stat_name(unsigned int stat);
void zcopy_stats_init(void);
void zcopy_stats_exit(void);

#endif /* ZCOPY_STATS_H */
