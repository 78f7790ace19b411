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
 * Completion records
 * ------------------
 *
 * Every finished transfer produces one struct zcopy_cqe on its context's
 * ready list, in the order the transfers finished:
 *
 *   user_data  the caller's cookie from the submission, returned as is
 *   res        bytes sent (>= 0), or a negative errno
 *   flags      ZCOPY_CQE_F_* bits
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

struct zcopy_cqe {
	__u64 user_data;
	__s64 res;
	__u32 flags;
	__u32 reserved;
};

#endif /* _UAPI_LINUX_ZCOPY_H */
