// SPDX-License-Identifier: GPL-2.0
/*
 * The fault-injection points (fault.h).  should_fail() runs in the
 * sending task, so task-filter and /proc/<pid>/make-it-fail aim a fault
 * at one test's own sends.
 */

#include <linux/debugfs.h>
#include <linux/err.h>
#include <linux/fault-inject.h>

#include "fault.h"

static DECLARE_FAULT_ATTR(zcopy_fail_send);
static u32 zcopy_fail_send_errno = EIO;
static struct dentry *zcopy_fail_send_dir;

/* 0, or the negative errno an injected fault returns instead of a send. */
int zcopy_fault_send(void)
{
	u32 err = READ_ONCE(zcopy_fail_send_errno);

	if (!should_fail(&zcopy_fail_send, 1))
		return 0;
	return err && err <= MAX_ERRNO ? -(int)err : -EIO;
}

/* Without debugfs the points stay unarmed: nothing to report. */
void zcopy_fault_init(void)
{
	struct dentry *dir;

	dir = fault_create_debugfs_attr("zcopy_fail_send", NULL,
					&zcopy_fail_send);
	if (IS_ERR(dir))
		return;
	debugfs_create_u32("errno", 0600, dir, &zcopy_fail_send_errno);
	zcopy_fail_send_dir = dir;
}

void zcopy_fault_exit(void)
{
	debugfs_remove_recursive(zcopy_fail_send_dir);
}
