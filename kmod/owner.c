// SPDX-License-Identifier: GPL-2.0
/*
 * The submitter's identity, carried into a deferred pass the way the
 * loop driver carries a bio's cgroups into its worker: a reference on
 * each at submission, applied around the work, dropped with the
 * transfer.
 */

#include <linux/cred.h>
#include <linux/memcontrol.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/sched/task.h>

#include "owner.h"

/* Take the calling task's identity. */
void zcopy_owner_get(struct zcopy_owner *o)
{
	o->task = get_task_struct(current);
	o->cred = get_current_cred();
	o->memcg = NULL;
#ifdef CONFIG_MEMCG
	if (current->mm)
		o->memcg = get_mem_cgroup_from_mm(current->mm);
#endif
}

void zcopy_owner_put(struct zcopy_owner *o)
{
#ifdef CONFIG_MEMCG
	if (o->memcg)
		mem_cgroup_put(o->memcg);
#endif
	put_cred(o->cred);
	put_task_struct(o->task);
}

/*
 * Whether the calling task already runs as @o, so that work for @o can
 * be done right here: the same credentials and the same cgroups.
 */
bool zcopy_owner_is_current(const struct zcopy_owner *o)
{
	bool same = o->cred == current_cred();

	rcu_read_lock();
#ifdef CONFIG_MEMCG
	if (!mem_cgroup_disabled() && current->mm &&
	    o->memcg != mem_cgroup_from_task(current))
		same = false;
#endif
	rcu_read_unlock();
	return same;
}

/* In a deferred pass: run as @o until zcopy_owner_leave(). */
void zcopy_owner_enter(const struct zcopy_owner *o,
		       struct zcopy_owner_saved *saved)
{
	saved->cred = override_creds(o->cred);
	saved->memcg = set_active_memcg(o->memcg);
}

void zcopy_owner_leave(const struct zcopy_owner *o,
		       struct zcopy_owner_saved *saved)
{
	set_active_memcg(saved->memcg);
	revert_creds(saved->cred);
}
