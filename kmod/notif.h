/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Notification: when the network stack lets go of a transfer's pages
 * (ZCOPY_F_RELEASE, ZCOPY_F_DONTCACHE).
 */
#ifndef ZCOPY_NOTIF_H
#define ZCOPY_NOTIF_H

struct zcopy_xfer;

void zcopy_notif_init(struct zcopy_xfer *x);
void zcopy_notif_put(struct zcopy_xfer *x);

#endif /* ZCOPY_NOTIF_H */
