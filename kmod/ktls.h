/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Sockets whose sends kernel TLS encrypts (ktls.c).
 */
#ifndef ZCOPY_KTLS_H
#define ZCOPY_KTLS_H

#include <linux/types.h>

struct socket;
struct zcopy_ktls_watch;
struct zcopy_xfer;

int zcopy_ktls_check(struct socket *sock);
bool zcopy_ktls_busy(struct socket *sock);
void zcopy_ktls_flush(struct socket *sock);
void zcopy_ktls_push_tcp(struct socket *sock);

/* When the TLS layer lets go of a transfer's pages (ktls_release.c). */
struct zcopy_ktls_watch *zcopy_ktls_watch_create(struct socket *sock);
void zcopy_ktls_watch_orphan(struct zcopy_ktls_watch *w);
void zcopy_ktls_watch_hold(struct zcopy_ktls_watch *w, struct zcopy_xfer *x);
void zcopy_ktls_watch_check(struct zcopy_ktls_watch *w);
void zcopy_ktls_watch_kick(struct zcopy_ktls_watch *w);

#endif /* ZCOPY_KTLS_H */
