/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The "zcopy" generic netlink family: see "Inspecting and configuring:
 * netlink and zcctl" in Documentation/zcopy.rst, and
 * Documentation/netlink/specs/zcopy.yaml.
 */
#ifndef ZCOPY_NETLINK_H
#define ZCOPY_NETLINK_H

#include <linux/types.h>

struct zcopy_xfer;

int zcopy_nl_init(void);
void zcopy_nl_exit(void);
void zcopy_nl_transfer_failed(const struct zcopy_xfer *x, s64 err);

#endif /* ZCOPY_NETLINK_H */
