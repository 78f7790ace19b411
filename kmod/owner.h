/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Who a transfer works for: the thread that submitted it, in which its
 * deferred passes run (sock.c), so that their CPU time, namespaces,
 * cgroups and limits are the submitter's; and its credentials and memory
 * cgroup, taken at SUBMIT and put on for the length of each deferred
 * pass, so that the file's read and the socket's sendmsg are checked
 * against the submitter (LSM, FUSE, permission hooks) and the page cache
 * they bring in is charged to its memory cgroup, even in a thread lent
 * to the context by another.  Disk reads are the running thread's own:
 * its block cgroup's io.max applies, as to its read().
 */
#ifndef ZCOPY_OWNER_H
#define ZCOPY_OWNER_H

#include <linux/types.h>

struct cred;
struct task_struct;
struct mem_cgroup;

struct zcopy_owner {
	/* The thread that submitted, or, once it exited, one of its process. */
	struct task_struct *task;
	const struct cred *cred;
	struct mem_cgroup *memcg;		/* NULL: none to apply */
};

/* What the worker was running as, to go back to. */
struct zcopy_owner_saved {
	const struct cred *cred;
	struct mem_cgroup *memcg;
};

void zcopy_owner_get(struct zcopy_owner *o);
void zcopy_owner_put(struct zcopy_owner *o);
bool zcopy_owner_is_current(const struct zcopy_owner *o);
void zcopy_owner_enter(const struct zcopy_owner *o,
		       struct zcopy_owner_saved *saved);
void zcopy_owner_leave(const struct zcopy_owner *o,
		       struct zcopy_owner_saved *saved);

#endif /* ZCOPY_OWNER_H */
