/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Who a transfer works for: the submitter's credentials, memory cgroup
 * and block cgroup, taken at SUBMIT and put on by a worker for the
 * length of each pass, so that the file's read and the socket's sendmsg
 * are checked against the submitter (LSM, FUSE, permission hooks), the
 * page cache they bring in is charged to its memory cgroup, and their
 * disk reads count against its io.max, as if it had made them itself.
 */
#ifndef ZCOPY_OWNER_H
#define ZCOPY_OWNER_H

#include <linux/types.h>

struct cred;
struct cgroup_subsys_state;
struct mem_cgroup;

struct zcopy_owner {
	const struct cred *cred;
	struct mem_cgroup *memcg;		/* NULL: none to apply */
	struct cgroup_subsys_state *blkcg;	/* NULL: none to apply */
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
