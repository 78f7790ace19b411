/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Sockets whose sends kernel TLS encrypts (ktls.c).
 */
#ifndef ZCOPY_KTLS_H
#define ZCOPY_KTLS_H

#include <linux/types.h>

struct socket;

int zcopy_ktls_check(struct socket *sock);
bool zcopy_ktls_busy(struct socket *sock);
void zcopy_ktls_flush(struct socket *sock);
void zcopy_ktls_push_tcp(struct socket *sock);

#endif /* ZCOPY_KTLS_H */
