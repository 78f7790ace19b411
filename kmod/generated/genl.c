// SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause)
/* Do not edit directly, auto-generated from: */
/*	Documentation/netlink/specs/zcopy.yaml */
/* YNL-GEN kernel source */

#include <net/netlink.h>
#include <net/genetlink.h>

#include "genl.h"

#include <uapi/linux/zcopy_netlink.h>
#include <compat.h>

/* Integer value ranges */
static const struct netlink_range_validation zcopy_a_config_max_inflight_range = {
	.min	= ZCOPY_MAX_INFLIGHT_MIN,
	.max	= ZCOPY_MAX_INFLIGHT_MAX,
};

static const struct netlink_range_validation zcopy_a_config_max_pinned_range = {
	.min	= ZCOPY_MAX_PINNED_MIN,
	.max	= ZCOPY_MAX_PINNED_MAX,
};

static const struct netlink_range_validation zcopy_a_config_max_user_sockets_range = {
	.min	= ZCOPY_MAX_USER_SOCKETS_MIN,
	.max	= ZCOPY_MAX_USER_SOCKETS_MAX,
};

static const struct netlink_range_validation zcopy_a_config_submit_budget_range = {
	.min	= ZCOPY_SUBMIT_BUDGET_MIN,
	.max	= ZCOPY_SUBMIT_BUDGET_MAX,
};

static const struct netlink_range_validation zcopy_a_config_deferred_timeout_ms_range = {
	.min	= ZCOPY_DEFERRED_TIMEOUT_MS_MIN,
	.max	= ZCOPY_DEFERRED_TIMEOUT_MS_MAX,
};

/* ZCOPY_CMD_CONFIG_SET - do */
static const struct nla_policy zcopy_config_set_nl_policy[ZCOPY_A_CONFIG_COPY_MODE + 1] = {
	[ZCOPY_A_CONFIG_MAX_INFLIGHT] = NLA_POLICY_FULL_RANGE(NLA_U32, &zcopy_a_config_max_inflight_range),
	[ZCOPY_A_CONFIG_MAX_PINNED] = NLA_POLICY_FULL_RANGE(NLA_U64, &zcopy_a_config_max_pinned_range),
	[ZCOPY_A_CONFIG_MAX_USER_SOCKETS] = NLA_POLICY_FULL_RANGE(NLA_U32, &zcopy_a_config_max_user_sockets_range),
	[ZCOPY_A_CONFIG_SUBMIT_BUDGET] = NLA_POLICY_FULL_RANGE(NLA_U64, &zcopy_a_config_submit_budget_range),
	[ZCOPY_A_CONFIG_DEFERRED_TIMEOUT_MS] = NLA_POLICY_FULL_RANGE(NLA_U32, &zcopy_a_config_deferred_timeout_ms_range),
	[ZCOPY_A_CONFIG_COPY_MODE] = NLA_POLICY_MAX(NLA_U8, 1),
};

/* ZCOPY_CMD_TRANSFER_GET - dump */
static const struct nla_policy zcopy_transfer_get_nl_policy[ZCOPY_A_TRANSFER_CONTEXT_ID + 1] = {
	[ZCOPY_A_TRANSFER_CONTEXT_ID] = NLA_POLICY_MIN(NLA_U32, 1),
};

/* Ops table for zcopy */
static const struct genl_split_ops zcopy_nl_ops[] = {
	{
		.cmd	= ZCOPY_CMD_STATS_GET,
		.doit	= zcopy_nl_stats_get_doit,
		.flags	= GENL_CMD_CAP_DO,
	},
	{
		.cmd	= ZCOPY_CMD_CONFIG_GET,
		.doit	= zcopy_nl_config_get_doit,
		.flags	= GENL_CMD_CAP_DO,
	},
	{
		.cmd		= ZCOPY_CMD_CONFIG_SET,
		.doit		= zcopy_nl_config_set_doit,
		.policy		= zcopy_config_set_nl_policy,
		.maxattr	= ZCOPY_A_CONFIG_COPY_MODE,
		.flags		= GENL_ADMIN_PERM | GENL_CMD_CAP_DO,
	},
	{
		.cmd	= ZCOPY_CMD_CONTEXT_GET,
		.start	= zcopy_nl_dump_start,
		.dumpit	= zcopy_nl_context_get_dumpit,
		.flags	= GENL_CMD_CAP_DUMP,
	},
	{
		.cmd		= ZCOPY_CMD_TRANSFER_GET,
		.start		= zcopy_nl_dump_start,
		.dumpit		= zcopy_nl_transfer_get_dumpit,
		.policy		= zcopy_transfer_get_nl_policy,
		.maxattr	= ZCOPY_A_TRANSFER_CONTEXT_ID,
		.flags		= GENL_CMD_CAP_DUMP,
	},
};

static const struct genl_multicast_group zcopy_nl_mcgrps[] = {
	[ZCOPY_NLGRP_EVENTS] = { "events", .flags = GENL_MCAST_CAP_NET_ADMIN, },
};

struct genl_family zcopy_nl_family __ro_after_init = {
	.name		= ZCOPY_FAMILY_NAME,
	.version	= ZCOPY_FAMILY_VERSION,
	.netnsok	= true,
	.parallel_ops	= true,
	.module		= THIS_MODULE,
	.split_ops	= zcopy_nl_ops,
	.n_split_ops	= ARRAY_SIZE(zcopy_nl_ops),
	.mcgrps		= zcopy_nl_mcgrps,
	.n_mcgrps	= ARRAY_SIZE(zcopy_nl_mcgrps),
};
