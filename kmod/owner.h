/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Who a transfer works for: the thread that submitted it, in which its
 * deferred passes run (sock.c), so that their CPU time, namespaces,
 * cgroups and limits are the submitter's; and its identity (credentials
 * and memory cgroup), taken at SUBMIT and put on for the length of each
 * deferred pass, so that the file's read and the socket's sendmsg are
 * checked against the submitter (LSM, FUSE, permission hooks) and the
 * page cache they bring in is charged to its memory cgroup, even in a
 * thread lent to the context by another.  Disk reads are the running
 * thread's own: its block cgroup's io.max applies, as to its read().
 *
 * The identity is shared: a context keeps the last one its submitters
 * ran as (struct zcopy_ident_cache), and every transfer submitted as the
 * same takes a reference on it, one increment on the context's own
 * object instead of one on the credentials every thread of the process
 * shares, plus the memory cgroup's.  A thread whose credentials or
 * cgroup changed makes a new one.
 */
#ifndef ZCOPY_OWNER_H
#define ZCOPY_OWNER_H

#include <linux/refcount.h>
#include <linux/types.h>

struct cred;
struct task_struct;
struct mem_cgroup;

/* Credentials and memory cgroup, as one reference. */
struct zcopy_ident {
	refcount_t ref;
	const struct cred *cred;
	struct mem_cgroup *memcg;		/* NULL: none to apply */
};

/* A context's last identity, with a reference; under its submit lock. */
struct zcopy_ident_cache {
	struct zcopy_ident *ident;		/* NULL: none yet */
};

struct zcopy_owner {
	/* The thread that submitted, or, once it exited, one of its process. */
	struct task_struct *task;
	struct zcopy_ident *ident;
};

/* What the worker was running as, to go back to. */
struct zcopy_owner_saved {
	const struct cred *cred;
	struct mem_cgroup *memcg;
};

int zcopy_owner_prepare(struct zcopy_ident_cache *cache);
void zcopy_owner_get(struct zcopy_owner *o, struct zcopy_ident_cache *cache);
void zcopy_owner_put(struct zcopy_owner *o);
void zcopy_ident_cache_drop(struct zcopy_ident_cache *cache);
bool zcopy_owner_is_current(const struct zcopy_owner *o);
void zcopy_owner_enter(const struct zcopy_owner *o,
		       struct zcopy_owner_saved *saved);
void zcopy_owner_leave(const struct zcopy_owner *o,
		       struct zcopy_owner_saved *saved);

#endif /* ZCOPY_OWNER_H */
