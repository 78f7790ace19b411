// SPDX-License-Identifier: GPL-2.0
/*
 * The submitter's identity, carried into a deferred pass the way the
 * loop driver carries a bio's cgroups into its worker: a reference at
 * submission, applied around the work, dropped with the transfer.
 */

#include <linux/cred.h>
#include <linux/memcontrol.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/sched/task.h>
#include <linux/slab.h>

#include "owner.h"

static void zcopy_ident_put(struct zcopy_ident *ident)
{
	if (!refcount_dec_and_test(&ident->ref))
		return;
#ifdef CONFIG_MEMCG
	if (ident->memcg)
		mem_cgroup_put(ident->memcg);
#endif
	put_cred(ident->cred);
	kfree(ident);
}

/*
 * The memory cgroup the calling task's page cache is charged to, with a
 * reference; NULL if none applies.  The same one zcopy_ident_is_current()
 * compares with, so that a thread's next transfer finds it.
 */
static struct mem_cgroup *zcopy_current_memcg(void)
{
	struct mem_cgroup *memcg = NULL;

#ifdef CONFIG_MEMCG
	if (mem_cgroup_disabled() || !current->mm)
		return NULL;
	rcu_read_lock();
	do {
		memcg = mem_cgroup_from_task(current);
	} while (memcg && !css_tryget(&memcg->css));
	rcu_read_unlock();
#endif
	return memcg;
}

/* Whether the calling task runs as @ident: credentials and cgroups. */
static bool zcopy_ident_is_current(const struct zcopy_ident *ident)
{
	bool same = ident->cred == current_cred();

#ifdef CONFIG_MEMCG
	rcu_read_lock();
	if (!mem_cgroup_disabled() && current->mm &&
	    ident->memcg != mem_cgroup_from_task(current))
		same = false;
	rcu_read_unlock();
#endif
	return same;
}

/*
 * Make sure @cache holds the calling task's identity, for the
 * zcopy_owner_get()s that follow under the same lock.  The first
 * submission as an identity allocates; the rest of them find it.
 * Returns 0 or -ENOMEM.
 */
int zcopy_owner_prepare(struct zcopy_ident_cache *cache)
{
	struct zcopy_ident *ident = cache->ident;

	if (ident && zcopy_ident_is_current(ident))
		return 0;
	ident = kmalloc(sizeof(*ident), GFP_KERNEL_ACCOUNT);
	if (!ident)
		return -ENOMEM;
	refcount_set(&ident->ref, 1);		/* the cache's */
	ident->cred = get_current_cred();
	ident->memcg = zcopy_current_memcg();
	zcopy_ident_cache_drop(cache);
	cache->ident = ident;
	return 0;
}

/* The calling thread, as @cache's identity (zcopy_owner_prepare()). */
void zcopy_owner_get(struct zcopy_owner *o, struct zcopy_ident_cache *cache)
{
	o->task = get_task_struct(current);
	o->ident = cache->ident;
	refcount_inc(&o->ident->ref);
}

void zcopy_owner_put(struct zcopy_owner *o)
{
	zcopy_ident_put(o->ident);
	put_task_struct(o->task);
}

/*
 * At the context's close: the cache's reference goes, so that an idle
 * context does not keep a removed cgroup; its transfers keep theirs.
 */
void zcopy_ident_cache_drop(struct zcopy_ident_cache *cache)
{
	if (cache->ident)
		zcopy_ident_put(cache->ident);
	cache->ident = NULL;
}

/*
 * Whether the calling task already runs as @o, so that work for @o can
 * be done right here: the same credentials and the same cgroups.
 */
bool zcopy_owner_is_current(const struct zcopy_owner *o)
{
	return zcopy_ident_is_current(o->ident);
}

/* In a deferred pass: run as @o until zcopy_owner_leave(). */
void zcopy_owner_enter(const struct zcopy_owner *o,
		       struct zcopy_owner_saved *saved)
{
	saved->cred = override_creds(o->ident->cred);
	saved->memcg = set_active_memcg(o->ident->memcg);
}

void zcopy_owner_leave(const struct zcopy_owner *o,
		       struct zcopy_owner_saved *saved)
{
	set_active_memcg(saved->memcg);
	revert_creds(saved->cred);
}
