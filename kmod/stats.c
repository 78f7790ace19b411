// SPDX-License-Identifier: GPL-2.0
/*
 * The counters' home in each network namespace (stats.h).  A context
 * holds a reference to its namespace, so the counters outlive everything
 * that counts in them.
 */

#include <net/net_namespace.h>

#include "stats.h"

unsigned int zcopy_net_id __read_mostly;

static struct pernet_operations zcopy_net_ops = {
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
