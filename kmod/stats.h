/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The counters, per network namespace: each counts what the contexts
 * opened in that namespace do, and netlink shows a namespace its own
 * (ZCOPY_CMD_STATS_GET, netlink.c), as /proc/net does.  Per CPU, as the
 * stack's SNMP counters are: every transfer adds to several, and one
 * cache line shared by every CPU would cost each add a miss.  Added to
 * from any context, hardirq included (this_cpu_add()), and read at any
 * time, summed over the CPUs: exact when nothing moves, and a gauge
 * read while it moves may be off by what moves meanwhile
 * (zcopy_stat_read()).
 *
 * A counter is its netlink attribute: the array is indexed by
 * ZCOPY_A_STATS_* (the "stats" set of Documentation/netlink/specs/
 * zcopy.yaml, whose docs say what each one counts).  Adding one takes
 * the spec (then make regen) and the code that counts it.
 */
#ifndef ZCOPY_STATS_H
#define ZCOPY_STATS_H

#include <linux/percpu.h>
#include <net/netns/generic.h>

#include <linux/zcopy.h>

struct zcopy_stats {
	u64 v[ZCOPY_A_STATS_MAX + 1];	/* gauges wrap below 0 on one CPU */
};

struct zcopy_net {
	struct zcopy_stats __percpu *stats;
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
	this_cpu_add(zn->stats->v[stat], (u64)delta);
}

u64 zcopy_stat_read(struct zcopy_net *zn, unsigned int stat);
int zcopy_stats_init(void);
void zcopy_stats_exit(void);

#endif /* ZCOPY_STATS_H */
