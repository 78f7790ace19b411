/* SPDX-License-Identifier: LGPL-2.1 OR MIT */
/*
 * libzcopy: asynchronous zero-copy file-to-socket transfers through
 * /dev/zcopy, with the ioctls, batching and completion reading done
 * once, here.  See libzcopy(7) and Documentation/libzcopy.rst.
 *
 * Every function returns 0 (or a count) on success and a negative errno
 * on failure, as liburing does; errno itself is left alone.  A context
 * is not thread-safe: one thread at a time, as with a liburing ring.
 *
 * Without the module (no /dev/zcopy), a context opened with
 * ZCOPY_OPEN_FALLBACK sends with sendfile(2) in the calling thread and
 * reports the same completions; flags it cannot honour are refused
 * with -EOPNOTSUPP, as the module refuses flags its kernel cannot.
 */
#ifndef LIBZCOPY_H
#define LIBZCOPY_H

#include <stdint.h>
#include <time.h>
#include <linux/zcopy.h>	/* struct zcopy_cqe, ZCOPY_F_*, ZCOPY_FEAT_* */

#ifdef __cplusplus
extern "C" {
#endif

/* zcopy_open() flags */
#define ZCOPY_OPEN_FALLBACK		(1U << 0)	/* sendfile without the module */
#define ZCOPY_OPEN_FORCE_FALLBACK	(1U << 1)	/* sendfile always (tests) */
#define ZCOPY_OPEN_LEND			(1U << 2)	/* a thread for reads that block */
#define ZCOPY_OPEN_NO_RINGS		(1U << 3)	/* SUBMIT's array and read() */

/* struct zcopy_features.flags */
#define ZCOPY_FEATURES_FALLBACK		(1U << 0)	/* the context uses sendfile */
#define ZCOPY_FEATURES_RINGS		(1U << 1)	/* the context uses the rings */

struct zcopy_features {
	uint32_t sqe_flags;	/* ZCOPY_F_* that zcopy_submit() accepts */
	uint32_t features;	/* ZCOPY_FEAT_* */
	uint32_t flags;		/* ZCOPY_FEATURES_* */
	uint32_t reserved[5];	/* zero */
};

/* Opaque, so that it can grow without breaking the ABI. */
struct zcopy;

int zcopy_open(struct zcopy **zp, unsigned int flags);
void zcopy_close(struct zcopy *z);
int zcopy_fd(const struct zcopy *z);
int zcopy_probe(struct zcopy *z, struct zcopy_features *f);

int zcopy_register_socket(struct zcopy *z, int sock_fd);
int zcopy_unregister_socket(struct zcopy *z, int sock_fd);

int zcopy_prep(struct zcopy *z, int file_fd, int sock_fd, uint64_t offset,
	       uint64_t len, uint32_t flags, uint64_t user_data);
int zcopy_prep_buffer(struct zcopy *z, int sock_fd, const void *buf,
		      uint32_t len, uint32_t flags, uint64_t user_data);
unsigned int zcopy_queued(const struct zcopy *z);
unsigned int zcopy_discard(struct zcopy *z, unsigned int nr);
int zcopy_submit(struct zcopy *z);

int zcopy_peek_cqe(struct zcopy *z, struct zcopy_cqe *cqe);
int zcopy_peek_batch(struct zcopy *z, struct zcopy_cqe *cqes, unsigned int max);
int zcopy_wait_cqe(struct zcopy *z, struct zcopy_cqe *cqe,
		   const struct timespec *timeout);

int zcopy_cancel(struct zcopy *z, uint64_t user_data);

#ifdef __cplusplus
}
#endif

#endif /* LIBZCOPY_H */
