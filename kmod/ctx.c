// SPDX-License-Identifier: GPL-2.0
/*
 * Contexts and socket registration.
 *
 * A registration holds a reference to the socket's file, so the socket
 * outlives any close() by the application until it is unregistered or
 * the context is destroyed.  The item tree is protected by ctx->ev.mtx
 * (see events.c for the lock order).
 */

#include <linux/file.h>
#include <linux/net.h>
#include <linux/slab.h>
#include <net/sock.h>

#include "ctx.h"
#include "stats.h"

struct zcopy_ctx *zcopy_ctx_create(void)
{
	struct zcopy_ctx *ctx = kzalloc(sizeof(*ctx), GFP_KERNEL);

	if (!ctx)
		return NULL;
	zcopy_events_init(&ctx->ev);
	zcopy_stat_add(ZCOPY_STAT_CONTEXTS, 1);
	return ctx;
}

static void zcopy_sock_free(struct zcopy_sock *zs)
{
	fput(zs->item.file);
	kfree(zs);
	zcopy_stat_add(ZCOPY_STAT_SOCKETS, -1);
}

void zcopy_ctx_destroy(struct zcopy_ctx *ctx)
{
	struct zcopy_item *item;

	mutex_lock(&ctx->ev.mtx);
	while ((item = zcopy_events_first(&ctx->ev))) {
		zcopy_events_remove(&ctx->ev, item);
		zcopy_sock_free(container_of(item, struct zcopy_sock, item));
	}
	mutex_unlock(&ctx->ev.mtx);
	mutex_destroy(&ctx->ev.mtx);
	kfree(ctx);
	zcopy_stat_add(ZCOPY_STAT_CONTEXTS, -1);
}

/*
 * What sendfile() would demand of the same descriptor: open for writing.
 * Only TCP takes page references through the paths the engine uses.
 */
static int zcopy_check_socket(struct file *file)
{
	struct socket *sock = sock_from_file(file);
	struct sock *sk;

	if (!sock)
		return -ENOTSOCK;
	if (!(file->f_mode & FMODE_WRITE))
		return -EBADF;
	sk = sock->sk;
	if (!sk || sk->sk_type != SOCK_STREAM ||
	    sk->sk_protocol != IPPROTO_TCP ||
	    (sk->sk_family != AF_INET && sk->sk_family != AF_INET6))
		return -EOPNOTSUPP;
	return 0;
}

int zcopy_ctx_register(struct zcopy_ctx *ctx, int fd)
{
	struct zcopy_sock *zs;
	struct file *file;
	int ret;

	file = fget(fd);
	if (!file)
		return -EBADF;
	ret = zcopy_check_socket(file);
	if (ret)
		goto out_fput;
	zs = kzalloc(sizeof(*zs), GFP_KERNEL);
	if (!zs) {
		ret = -ENOMEM;
		goto out_fput;
	}
	zs->item.file = file;
	zs->item.fd = fd;

	mutex_lock(&ctx->ev.mtx);
	ret = zcopy_events_insert(&ctx->ev, &zs->item);
	mutex_unlock(&ctx->ev.mtx);
	if (ret)
		goto out_free;
	zcopy_stat_add(ZCOPY_STAT_SOCKETS, 1);
	return 0;

out_free:
	kfree(zs);
out_fput:
	fput(file);
	return ret;
}

int zcopy_ctx_unregister(struct zcopy_ctx *ctx, int fd)
{
	struct zcopy_item *item;
	struct file *file;

	file = fget(fd);
	if (!file)
		return -EBADF;
	mutex_lock(&ctx->ev.mtx);
	item = zcopy_events_find(&ctx->ev, file, fd);
	if (item)
		zcopy_events_remove(&ctx->ev, item);
	mutex_unlock(&ctx->ev.mtx);
	fput(file);
	if (!item)
		return -ENOENT;
	zcopy_sock_free(container_of(item, struct zcopy_sock, item));
	return 0;
}
