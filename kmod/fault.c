// SPDX-License-Identifier: GPL-2.0
/*
 * The fault-injection points (fault.h).  zcopy_fail_send is checked in
 * the sending task, so task-filter and /proc/<pid>/make-it-fail aim it
 * at one test's own sends; zcopy_delay_timer fires in softirq, where
 * task-filter would never let it.
 */

#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/err.h>
#include <linux/fault-inject.h>

#include "fault.h"

static DECLARE_FAULT_ATTR(zcopy_fail_send);
static u32 zcopy_fail_send_errno = EIO;

static DECLARE_FAULT_ATTR(zcopy_delay_timer);
static u32 zcopy_delay_timer_ms = 100;

static struct dentry *zcopy_fault_dirs[2];

/* 0, or the negative errno an injected fault returns instead of a send. */
int zcopy_fault_send(void)
{
	u32 err = READ_ONCE(zcopy_fail_send_errno);

	if (!should_fail(&zcopy_fail_send, 1))
		return 0;
	return err && err <= MAX_ERRNO ? -(int)err : -EIO;
}

/* At most a second: it spins in softirq. */
void zcopy_fault_delay_timer(void)
{
	if (should_fail(&zcopy_delay_timer, 1))
		mdelay(min(READ_ONCE(zcopy_delay_timer_ms), 1000U));
}

static struct dentry *zcopy_fault_dir(const char *name,
				      struct fault_attr *attr,
				      const char *knob, u32 *value)
{
	struct dentry *dir = fault_create_debugfs_attr(name, NULL, attr);

	if (IS_ERR(dir))
		return NULL;
	debugfs_create_u32(knob, 0600, dir, value);
	return dir;
}

/* Without debugfs the points stay unarmed: nothing to report. */
void zcopy_fault_init(void)
{
	zcopy_fault_dirs[0] = zcopy_fault_dir("zcopy_fail_send",
					      &zcopy_fail_send, "errno",
					      &zcopy_fail_send_errno);
	zcopy_fault_dirs[1] = zcopy_fault_dir("zcopy_delay_timer",
					      &zcopy_delay_timer, "ms",
					      &zcopy_delay_timer_ms);
}

void zcopy_fault_exit(void)
{
	debugfs_remove_recursive(zcopy_fault_dirs[0]);
	debugfs_remove_recursive(zcopy_fault_dirs[1]);
}
