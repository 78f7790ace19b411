/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A context: what one open() of /dev/zcopy holds.
 */
#ifndef ZCOPY_CTX_H
#define ZCOPY_CTX_H

#include <linux/atomic.h>
#include <linux/refcount.h>

#include "events.h"

struct zcopy_submit;

struct zcopy_ctx {
	struct zcopy_events ev;
	/* The open file, plus one per transfer: pages can outlive close(). */
	refcount_t ref;
	atomic_t inflight;		/* transfers held, against the limit */
	atomic64_t pinned;		/* their bytes */
};

struct zcopy_ctx *zcopy_ctx_create(void);
void zcopy_ctx_close(struct zcopy_ctx *ctx);
void zcopy_ctx_get(struct zcopy_ctx *ctx);
void zcopy_ctx_put(struct zcopy_ctx *ctx);

int zcopy_ctx_register(struct zcopy_ctx *ctx, int fd);
int zcopy_ctx_unregister(struct zcopy_ctx *ctx, int fd);
int zcopy_ctx_submit(struct zcopy_ctx *ctx, const struct zcopy_submit *s);
int zcopy_ctx_cancel(struct zcopy_ctx *ctx, u64 user_data);

bool zcopy_ctx_charge(struct zcopy_ctx *ctx, u64 bytes);
void zcopy_ctx_uncharge(struct zcopy_ctx *ctx, u64 bytes);

#endif /* ZCOPY_CTX_H */
