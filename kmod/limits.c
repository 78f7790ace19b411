// SPDX-License-Identifier: GPL-2.0
/*
 * The tunables (limits.h): their defaults, and their values.
 */

#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/sizes.h>

#include <linux/zcopy.h>

#include "limits.h"

struct zcopy_limits zcopy_limits = {
	.max_inflight	= ZCOPY_DEFAULT_MAX_INFLIGHT,
	.max_pinned	= ZCOPY_DEFAULT_MAX_PINNED,
	.submit_budget	= ZCOPY_DEFAULT_SUBMIT_BUDGET,
	.deferred_timeout_ms = ZCOPY_DEFAULT_DEFERRED_TIMEOUT_MS,
};

/*
 * Copy mode from the start, for sites that allow no page-cache page in
 * a network buffer at any time; netlink changes it later (copy-mode).
 */
module_param_named(copy_mode, zcopy_limits.copy_mode, bool, 0444);
MODULE_PARM_DESC(copy_mode,
		 "Copy file data into the socket's own pages (default: off)");

/*
 * epoll's rule of thumb: registrations may hold 4% of memory.  A
 * registered socket costs about a page (the socket, its sock and file).
 */
static u32 zcopy_default_max_user_sockets(void)
{
	u64 n = div_u64((u64)totalram_pages() << PAGE_SHIFT, 25 * SZ_4K);

	return clamp_t(u64, n, ZCOPY_MAX_USER_SOCKETS_MIN,
		       ZCOPY_MAX_USER_SOCKETS_MAX);
}

/* The limits that depend on the machine: at module load. */
void zcopy_limits_init(void)
{
	zcopy_limits.max_user_sockets = zcopy_default_max_user_sockets();
}
