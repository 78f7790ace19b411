/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * zcopy: asynchronous zero-copy file-to-socket transfers.
 *
 * The character device
 * --------------------
 *
 * Loading the module creates the misc character device /dev/zcopy
 * (ZCOPY_DEVICE_NAME) with mode 0666 (ZCOPY_DEVICE_MODE).  Anyone may open
 * it: the device grants no privilege by itself, every operation is checked
 * against the file and socket descriptors the caller already holds, just
 * as sendfile(2) checks them.  Unloading the module removes the device.
 *
 * Contexts and sockets
 * --------------------
 *
 * Each open() of /dev/zcopy is one context, as each epoll_create() is one
 * epoll instance; closing it releases everything it holds.  Sockets are
 * registered with a context before transfers can target them:
 *
 *   ioctl(zc, ZCOPY_IOC_REGISTER, &(struct zcopy_reg){ .sock_fd = s });
 *   ioctl(zc, ZCOPY_IOC_UNREGISTER, &(struct zcopy_reg){ .sock_fd = s });
 *
 * A registration is keyed, like an epoll registration, by the open file
 * and the descriptor number together.  flags and reserved must be zero.
 * Errors:
 *
 *   EBADF       sock_fd is not an open descriptor
 *   ENOTSOCK    sock_fd is not a socket
 *   EBADF       the socket is not open for writing
 *   EOPNOTSUPP  not a TCP socket (IPv4 or IPv6)
 *   EEXIST      already registered (REGISTER)
 *   ENOENT      not registered (UNREGISTER)
 *   EINVAL      unknown flags or non-zero reserved fields
 *   EFAULT      the argument is not readable
 *
 * Reading completions
 * -------------------
 *
 * read() on the context returns whole struct zcopy_cqe records, as many as
 * fit in the buffer and are ready, never part of one: a buffer smaller
 * than one record gives EINVAL.  With none ready it blocks (interruptibly)
 * or, with O_NONBLOCK, fails with EAGAIN.  poll()/epoll report EPOLLIN
 * while completions are ready, level- and edge-triggered.
 *
 * Submitting transfers
 * --------------------
 *
 * A transfer sends bytes [offset, offset + len) of a file to a registered
 * socket.  Transfers are submitted in batches:
 *
 *   struct zcopy_sqe sqe = { .file_fd = f, .sock_fd = s, .offset = 0,
 *                            .len = 0, .user_data = 42 };
 *   n = ioctl(zc, ZCOPY_IOC_SUBMIT,
 *             &(struct zcopy_submit){ .sqes = (__u64)&sqe, .nr = 1 });
 *
 * SUBMIT checks each entry, queues it and returns without waiting for
 * the disk or the network: the result is the number of entries accepted,
 * in order.  It stops at the first entry that is refused, or that would
 * go over the context's limits: if that is the first entry, SUBMIT fails
 * with its errno, otherwise it returns the count so far and resubmitting
 * from the refused entry reports the reason.
 *
 * len == 0 means "to the end of the file" as it is at submission.
 * Offsets and lengths need no alignment.  A range past the end of the
 * file sends what exists: the completion's res is then short, as it is
 * when the file is truncated while the transfer runs.  Transfers to one
 * socket go out strictly in submission order, never interleaved; those
 * to different sockets progress independently.
 *
 * Flags (struct zcopy_sqe.flags):
 *
 *   ZCOPY_F_RELEASE    complete only when the network stack has released
 *                      the file's pages, not when the last byte was
 *                      handed to the socket; the file may then be
 *                      modified or truncated without changing what was
 *                      sent.  The completion says whether the stack had
 *                      to copy the data after all (ZCOPY_CQE_F_COPIED).
 *   ZCOPY_F_DONTCACHE  drop from the page cache, once released, the pages
 *                      of the range that were not cached before the
 *                      transfer; pages that were cached stay.
 *
 * Errors of SUBMIT (for the first refused entry):
 *
 *   EBADF       file_fd or sock_fd is not an open descriptor, or the
 *               file is not open for reading
 *   ESPIPE      the file cannot be read at an offset (pipe, socket)
 *   EINVAL      the file cannot be spliced from (e.g. a directory),
 *               offset + len overflows, unknown flags, non-zero
 *               reserved fields, or submission flags set
 *   ENOENT      sock_fd is not registered with this context
 *   EAGAIN      the context is at its limit of transfers or bytes in
 *               flight; retry after reading completions
 *   EFAULT      the batch or an entry is not readable
 *   EACCES,EPERM  a security module refused the read or the write
 *
 * Cancelling
 * ----------
 *
 *   ioctl(zc, ZCOPY_IOC_CANCEL, &(struct zcopy_cancel){ .user_data = 42 });
 *
 * cancels every transfer with that user_data that is not yet fully
 * handed to its socket and returns how many; each completes with
 * -ECANCELED.  A transfer cancelled part-way has sent a prefix of its
 * range.  ENOENT: no such transfer is pending.  Unregistering a socket
 * cancels its pending transfers; closing the context cancels everything.
 * A registration holds a reference to the socket, so close(sock_fd)
 * alone does not end the connection while the socket is registered.
 *
 * Limits
 * ------
 *
 * A transfer counts against its context from submission until its
 * completion has been read and the network stack has released its pages.
 * A context holds at most ZCOPY_DEFAULT_MAX_INFLIGHT transfers and takes
 * new ones only while the bytes of those it holds are below
 * ZCOPY_DEFAULT_MAX_PINNED (so one transfer of any size is accepted by an
 * idle context).
 *
 * Completion records
 * ------------------
 *
 * Every finished transfer produces one struct zcopy_cqe on its context's
 * ready list, in the order the transfers finished:
 *
 *   user_data  the caller's cookie from the submission, returned as is
 *   res        bytes sent (>= 0), or a negative errno: -ECANCELED,
 *              -EPIPE or -ECONNRESET when the connection failed, -EIO
 *              when the file could not be read, ...
 *   flags      ZCOPY_CQE_F_COPIED, on ZCOPY_F_RELEASE completions only:
 *              the data was copied after all (local delivery over
 *              loopback or veth copies zero-copy pages on receive; a
 *              route whose device cannot gather copies on send).  Other
 *              completions come before that can be known and carry 0.
 *   reserved   zero
 */
#ifndef _UAPI_LINUX_ZCOPY_H
#define _UAPI_LINUX_ZCOPY_H

#include <linux/types.h>

#define ZCOPY_DEVICE_NAME	"zcopy"
#define ZCOPY_DEVICE_MODE	0666

struct zcopy_reg {
	__s32 sock_fd;
	__u32 flags;
	__u64 reserved[2];
};

#define ZCOPY_IOC_MAGIC		0xBA
#define ZCOPY_IOC_REGISTER	_IOW(ZCOPY_IOC_MAGIC, 1, struct zcopy_reg)
#define ZCOPY_IOC_UNREGISTER	_IOW(ZCOPY_IOC_MAGIC, 2, struct zcopy_reg)

/* struct zcopy_sqe.flags */
#define ZCOPY_F_RELEASE		(1U << 0)
#define ZCOPY_F_DONTCACHE	(1U << 1)
#define ZCOPY_F_ALL		(ZCOPY_F_RELEASE | ZCOPY_F_DONTCACHE)

struct zcopy_sqe {
	__s32 file_fd;
	__s32 sock_fd;
	__u64 offset;
	__u64 len;		/* 0: to the end of the file */
	__u64 user_data;
	__u32 flags;		/* ZCOPY_F_* */
	__u32 reserved0;
	__u64 reserved[2];
};

struct zcopy_submit {
	__u64 sqes;		/* pointer to nr struct zcopy_sqe */
	__u32 nr;
	__u32 flags;		/* none defined: 0 */
	__u64 reserved;
};

struct zcopy_cancel {
	__u64 user_data;
	__u32 flags;		/* none defined: 0 */
	__u32 reserved;
};

#define ZCOPY_IOC_SUBMIT	_IOW(ZCOPY_IOC_MAGIC, 3, struct zcopy_submit)
#define ZCOPY_IOC_CANCEL	_IOW(ZCOPY_IOC_MAGIC, 4, struct zcopy_cancel)

/* Per-context limits (see "Limits" above). */
#define ZCOPY_DEFAULT_MAX_INFLIGHT	4096
#define ZCOPY_DEFAULT_MAX_PINNED	(256ULL << 20)

/* struct zcopy_cqe.flags */
#define ZCOPY_CQE_F_COPIED	(1U << 0)

struct zcopy_cqe {
	__u64 user_data;
	__s64 res;
	__u32 flags;
	__u32 reserved;
};

#endif /* _UAPI_LINUX_ZCOPY_H */
