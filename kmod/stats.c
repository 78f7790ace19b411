// SPDX-License-Identifier: GPL-2.0
/*
 * Module-wide counters, shown in debugfs as zcopy/stats, one "name value"
 * line each.
 */

#include <linux/debugfs.h>
#include <linux/seq_file.h>

#include "stats.h"

atomic64_t zcopy_stats[ZCOPY_A_STATS_MAX + 1];

/* As netlink spells them, with '_' for '-': zcctl shows the same names. */
static const char *const zcopy_stat_names[ZCOPY_A_STATS_MAX + 1] = {
	[ZCOPY_A_STATS_CONTEXTS]	= "contexts",
	[ZCOPY_A_STATS_SOCKETS]		= "sockets",
	[ZCOPY_A_STATS_TRANSFERS]	= "transfers",
	[ZCOPY_A_STATS_SUBMITTED]	= "submitted",
	[ZCOPY_A_STATS_COMPLETED]	= "completed",
	[ZCOPY_A_STATS_FAILED]		= "failed",
	[ZCOPY_A_STATS_CANCELLED]	= "cancelled",
	[ZCOPY_A_STATS_BYTES_ZEROCOPY]	= "bytes_zerocopy",
	[ZCOPY_A_STATS_BYTES_COPIED]	= "bytes_copied",
	[ZCOPY_A_STATS_PAGES]		= "pages",
	[ZCOPY_A_STATS_BYTES_INLINE]	= "bytes_inline",
	[ZCOPY_A_STATS_WORKER_PASSES]	= "worker_passes",
	[ZCOPY_A_STATS_READS_ASYNC]	= "reads_async",
	[ZCOPY_A_STATS_READS_BLOCKING]	= "reads_blocking",
	[ZCOPY_A_STATS_DISK_WAITING]	= "disk_waiting",
	[ZCOPY_A_STATS_READ_THREADS]	= "read_threads",
};

/* NULL for what is not a counter: 0 and ZCOPY_A_STATS_PAD. */
const char *zcopy_stat_name(unsigned int stat)
{
	return stat <= ZCOPY_A_STATS_MAX ? zcopy_stat_names[stat] : NULL;
}

static struct dentry *zcopy_debugfs;

static int zcopy_stats_show(struct seq_file *m, void *v)
{
	unsigned int i;

	for (i = 1; i <= ZCOPY_A_STATS_MAX; i++)
		if (zcopy_stat_names[i])
			seq_printf(m, "%s %lld\n", zcopy_stat_names[i],
				   atomic64_read(&zcopy_stats[i]));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(zcopy_stats);

/* debugfs is a debugging aid: the module works without it, so no errors. */
void zcopy_stats_init(void)
{
	zcopy_debugfs = debugfs_create_dir("zcopy", NULL);
	debugfs_create_file("stats", 0444, zcopy_debugfs, NULL,
			    &zcopy_stats_fops);
}

void zcopy_stats_exit(void)
{
	debugfs_remove_recursive(zcopy_debugfs);
}
