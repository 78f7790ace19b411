/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The counters, per network namespace: each counts what the contexts
 * opened in that namespace do, and netlink shows a namespace its own
 * (ZCOPY_CMD_STATS_GET, netlink.c), as /proc/net does.  Atomic, so they
 * can be read at any time without stopping the engine, and added to
 * from any context, softirq included.
 *
 * A counter is its netlink attribute: the array is indexed by
 * ZCOPY_A_STATS_* (the "stats" set of Documentation/netlink/specs/
 * zcopy.yaml, whose docs say what each one counts).  Adding one takes
 * the spec (then make regen) and the code that counts it.
 */
#ifndef ZCOPY_STATS_H
#define ZCOPY_STATS_H

#include <linux/atomic.h>
#include <net/netns/generic.h>

#include <linux/zcopy.h>

struct zcopy_net {
	atomic64_t stats[ZCOPY_A_STATS_MAX + 1];
};

extern unsigned int zcopy_net_id;

static inline struct zcopy_net *zcopy_net(const struct net *net)
{
	return net_generic(net, zcopy_net_id);
}

/*
 * @zn: a context's (ctx->stats, its namespace's, looked up once at open);
 * @stat: a ZCOPY_A_STATS_* attribute, never ZCOPY_A_STATS_PAD.
 */
static inline void zcopy_stat_add(struct zcopy_net *zn, unsigned int stat,
				  s64 delta)
{
	atomic64_add(delta, &zn->stats[stat]);
}

int zcopy_stats_init(void);
void zcopy_stats_exit(void);

#endif /* ZCOPY_STATS_H */
