/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A context: what one open() of /dev/zcopy holds.
 */
#ifndef ZCOPY_CTX_H
#define ZCOPY_CTX_H

#include "events.h"

struct zcopy_ctx {
	struct zcopy_events ev;
};

/* A registered socket: the context's epitem. */
struct zcopy_sock {
	struct zcopy_item item;		/* key: the socket's file and fd */
};

struct zcopy_ctx *zcopy_ctx_create(void);
void zcopy_ctx_destroy(struct zcopy_ctx *ctx);
int zcopy_ctx_register(struct zcopy_ctx *ctx, int fd);
int zcopy_ctx_unregister(struct zcopy_ctx *ctx, int fd);

#endif /* ZCOPY_CTX_H */
