// SPDX-License-Identifier: GPL-2.0
/*
 * Module-wide counters, shown in debugfs as zcopy/stats, one "name value"
 * line each.
 */

#include <linux/debugfs.h>
#include <linux/seq_file.h>

#include "stats.h"

atomic64_t zcopy_stats[ZCOPY_STAT_MAX];

static const char *const zcopy_stat_names[ZCOPY_STAT_MAX] = {
	[ZCOPY_STAT_CONTEXTS]	= "contexts",
	[ZCOPY_STAT_SOCKETS]	= "sockets",
	[ZCOPY_STAT_TRANSFERS]	= "transfers",
	[ZCOPY_STAT_SUBMITTED]	= "submitted",
	[ZCOPY_STAT_COMPLETED]	= "completed",
	[ZCOPY_STAT_FAILED]	= "failed",
	[ZCOPY_STAT_CANCELLED]	= "cancelled",
	[ZCOPY_STAT_BYTES_ZEROCOPY] = "bytes_zerocopy",
	[ZCOPY_STAT_BYTES_COPIED] = "bytes_copied",
	[ZCOPY_STAT_PAGES]	= "pages_referenced",
	[ZCOPY_STAT_BYTES_INLINE] = "bytes_inline",
	[ZCOPY_STAT_WORKER_PASSES] = "worker_passes",
	[ZCOPY_STAT_READS_ASYNC] = "reads_async",
	[ZCOPY_STAT_READS_BLOCKING] = "reads_blocking",
	[ZCOPY_STAT_DISK_WAITING] = "disk_waiting",
	[ZCOPY_STAT_READ_THREADS] = "read_threads",
};

static struct dentry *zcopy_debugfs;

static int zcopy_stats_show(struct seq_file *m, void *v)
{
	int i;

	for (i = 0; i < ZCOPY_STAT_MAX; i++)
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
