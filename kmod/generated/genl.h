/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause) */
/* Do not edit directly, auto-generated from: */
/*	Documentation/netlink/specs/zcopy.yaml */
/* YNL-GEN kernel header */

#ifndef _LINUX_ZCOPY_GEN_H
#define _LINUX_ZCOPY_GEN_H

#include <net/netlink.h>
#include <net/genetlink.h>

#include <uapi/linux/zcopy_netlink.h>
#include <compat.h>

int zcopy_nl_dump_start(struct netlink_callback *cb);

int zcopy_nl_stats_get_doit(struct sk_buff *skb, struct genl_info *info);
int zcopy_nl_config_get_doit(struct sk_buff *skb, struct genl_info *info);
int zcopy_nl_config_set_doit(struct sk_buff *skb, struct genl_info *info);
int zcopy_nl_context_get_dumpit(struct sk_buff *skb,
				struct netlink_callback *cb);
int zcopy_nl_transfer_get_dumpit(struct sk_buff *skb,
				 struct netlink_callback *cb);

enum {
	ZCOPY_NLGRP_EVENTS,
};

extern struct genl_family zcopy_nl_family;

#endif /* _LINUX_ZCOPY_GEN_H */
