// SPDX-License-Identifier: GPL-2.0
/*
 * The counters' home in each network namespace (stats.h).  A context
 * holds a reference to its namespace, so the counters outlive everything
 * that counts in them.
 */

#include <linux/percpu.h>
#include <net/net_namespace.h>

#include "stats.h"

unsigned int zcopy_net_id __read_mostly;

/*
 * @stat's value: the sum of every CPU's share.  The shares are read one
 * after the other, so a gauge read while it moves can sum below 0 (its
 * rise counted on one CPU after the look, its fall on another before):
 * that reads as 0, as percpu_counter_sum_positive() does.  No counter
 * reaches 2^63.
 */
u64 zcopy_stat_read(struct zcopy_net *zn, unsigned int stat)
{
	u64 sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += READ_ONCE(per_cpu_ptr(zn->stats, cpu)->v[stat]);
	return (s64)sum < 0 ? 0 : sum;
}

static int __net_init zcopy_net_init(struct net *net)
{
	struct zcopy_net *zn = zcopy_net(net);

	zn->stats = alloc_percpu(struct zcopy_stats);
	return zn->stats ? 0 : -ENOMEM;
}

static void __net_exit zcopy_net_exit(struct net *net)
{
	free_percpu(zcopy_net(net)->stats);
}

static struct pernet_operations zcopy_net_ops = {
	.init	= zcopy_net_init,
	.exit	= zcopy_net_exit,
	.id	= &zcopy_net_id,
	.size	= sizeof(struct zcopy_net),
};

int __init zcopy_stats_init(void)
{
	return register_pernet_subsys(&zcopy_net_ops);
}

void zcopy_stats_exit(void)
{
	unregister_pernet_subsys(&zcopy_net_ops);
}
