/* SPDX-License-Identifier: LGPL-2.1 OR MIT */
/*
 * libzcopy internals: the context, shared by the module backend (dev.c,
 * ring.c) and the sendfile fallback (fallback.c, fb_check.c).
 */
#ifndef LIBZCOPY_INTERNAL_H
#define LIBZCOPY_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <sys/types.h>
#include "zcopy.h"

/* Only what libzcopy.map lists is exported; the rest is hidden. */
#define ZCOPY_EXPORT __attribute__((visibility("default")))

/* Completions read from the device per read(): one read serves many. */
#define ZCOPY_CQE_BUF	64

/* The entry flags the fallback honours: sendfile knows no release. */
#define FB_SQE_FLAGS	(ZCOPY_F_INDEPENDENT | ZCOPY_F_BUFFER | ZCOPY_F_LINK | \
			 ZCOPY_F_GROUP)

struct fb;

/* The module's shared-memory rings, as mapped (ring.c). */
struct zcopy_ring_map {
	void *mem;		/* NULL: no rings */
	size_t size;
	uint32_t *sq_head, *sq_tail, sq_mask;
	struct zcopy_sqe *sqes;
	uint32_t *cq_head, *cq_tail, *cq_flags, cq_mask;
	struct zcopy_cqe *cqes;
};

struct zcopy {
	bool fallback;
	int fd;			/* the device, or the fallback's epoll */

	/* Prepared entries: [sq_head, sq_tail) of sq, not yet accepted. */
	struct zcopy_sqe *sq;
	unsigned int sq_head, sq_tail, sq_cap;

	/* Device mode: completions read, not yet handed out. */
	struct zcopy_cqe cq[ZCOPY_CQE_BUF];
	unsigned int cq_head, cq_tail;

	/* Device mode, unless ZCOPY_OPEN_NO_RINGS or the module has none. */
	struct zcopy_ring_map ring;

	struct fb *fb;		/* fallback mode only */

	/* ZCOPY_OPEN_LEND: the thread lent, and the process that lent it. */
	pid_t lender;		/* 0: none lent */
	pthread_t lent;
};

/* dev.c: the module */
int dev_open(struct zcopy *z, bool rings);
int dev_lend(struct zcopy *z);
void dev_close(struct zcopy *z);
int dev_probe(struct zcopy *z, struct zcopy_features *f);
int dev_register(struct zcopy *z, int sock_fd, unsigned long cmd);
int dev_submit(struct zcopy *z);
int dev_submit_array(struct zcopy *z, const struct zcopy_sqe *sq,
		     unsigned int nr);
int dev_peek(struct zcopy *z, struct zcopy_cqe *cqes, unsigned int max);
int dev_cancel(struct zcopy *z, uint64_t user_data);

/* ring.c: the module's shared-memory rings */
int ring_open(struct zcopy *z);
void ring_close(struct zcopy *z);
int ring_submit(struct zcopy *z);
int ring_peek(struct zcopy *z, struct zcopy_cqe *cqes, unsigned int max);

/* fallback.c: sendfile in the caller */
int fb_open(struct zcopy *z);
void fb_close(struct zcopy *z);
int fb_register(struct zcopy *z, int sock_fd);
int fb_unregister(struct zcopy *z, int sock_fd);
int fb_submit(struct zcopy *z);
int fb_peek(struct zcopy *z, struct zcopy_cqe *cqes, unsigned int max);
int fb_cancel(struct zcopy *z, uint64_t user_data);

/* fb_check.c: the module's errnos, found from userspace */
int fb_check_socket(int sock_fd);
int fb_check_sqe(const struct zcopy_sqe *sqe, uint64_t *len, bool *until_eof);

#endif
