/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Module-wide counters.  Atomic, so netlink can read them at any time
 * (ZCOPY_CMD_STATS_GET, netlink.c) without stopping the engine.
 *
 * A counter is its netlink attribute: zcopy_stats[] is indexed by
 * ZCOPY_A_STATS_* (the "stats" set of Documentation/netlink/specs/
 * zcopy.yaml, whose docs say what each one counts).  Adding one takes
 * the spec (then make regen) and the code that counts it.
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

#endif /* ZCOPY_STATS_H */
