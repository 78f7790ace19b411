// SPDX-License-Identifier: GPL-2.0
/*
 * zcopy: asynchronous zero-copy file-to-socket transfers.
 *
 * Module init and exit only: each step in order, unwound in reverse.
 */

#include <linux/module.h>

#include "dev.h"
#include "fault.h"
#include "limits.h"
#include "netlink.h"
#include "stats.h"
#include "version.h"
#include "xfer.h"

static int __init zcopy_init(void)
{
	int ret;

	zcopy_limits_init();
	ret = zcopy_stats_init();
	if (ret)
		return ret;
	ret = zcopy_engine_init();
	if (ret)
		goto err_stats;
	ret = zcopy_nl_init();
	if (ret)
		goto err_engine;
	ret = zcopy_dev_init();
	if (ret)
		goto err_nl;

	zcopy_fault_init();
	pr_info("zcopy " ZCOPY_VERSION " loaded\n");
	return 0;

err_nl:
	zcopy_nl_exit();
err_engine:
	zcopy_engine_exit();
err_stats:
	zcopy_stats_exit();
	return ret;
}

static void __exit zcopy_exit(void)
{
	zcopy_fault_exit();
	zcopy_dev_exit();
	zcopy_nl_exit();
	zcopy_engine_exit();
	zcopy_stats_exit();
}

module_init(zcopy_init);
module_exit(zcopy_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Asynchronous zero-copy file-to-socket transfers");
MODULE_VERSION(ZCOPY_VERSION);
